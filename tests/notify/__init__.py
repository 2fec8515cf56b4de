"""Notification delivery against real receivers on loopback: payload, signature,
retry schedule in business time, resend, several workers and crash safety."""
