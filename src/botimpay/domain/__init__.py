"""Pure business rules: order state machine, scene rules, expiry, fees.

No I/O and no framework: functions take values and the current time, and
return new values and the effects the services must carry out.
"""
