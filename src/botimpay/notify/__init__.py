"""The notification dispatcher: outbox rows become signed POSTs to the merchant's notifyUrl.

`delivery` builds, signs and sends one attempt and classifies the answer;
`dispatcher` claims due rows with a lease, delivers them concurrently and
schedules retries in business time (`recorder` saves the attempts in batches;
`faults` applies sandbox notification faults); `admin` lists notifications and
resends one.
"""
