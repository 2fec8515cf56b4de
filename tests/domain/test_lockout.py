"""The lockout both secrets of a wallet share (payment password, sign-in code): five
wrong in a row lock it for 30 minutes of business time; a right one clears the count;
each secret counts on its own."""

from __future__ import annotations

from botimpay.domain.member import (
    LOCK_MS,
    MAX_PASSWORD_ATTEMPTS,
    Lockout,
    Member,
    after_right_otp,
    after_wrong_otp,
    after_wrong_password,
)

T0 = 1_800_000_000_000


def test_the_fifth_wrong_attempt_locks_for_thirty_minutes() -> None:
    lock = Lockout()
    for left in (4, 3, 2, 1):
        lock = lock.after_failure(T0)
        assert (lock.attempts_left(), lock.is_locked(T0)) == (left, False)
    lock = lock.after_failure(T0)
    assert lock == Lockout(0, T0 + LOCK_MS)
    assert lock.is_locked(T0 + LOCK_MS - 1)
    assert not lock.is_locked(T0 + LOCK_MS)
    assert (MAX_PASSWORD_ATTEMPTS, LOCK_MS) == (5, 30 * 60 * 1000)


def test_a_right_attempt_clears_the_count() -> None:
    lock = Lockout().after_failure(T0).after_failure(T0)
    assert lock.after_success() == Lockout()


def test_the_two_secrets_count_separately() -> None:
    member = Member("100000000004", "+971560000004", "Test Wallet 4", "hash", None)
    for _ in range(MAX_PASSWORD_ATTEMPTS):
        member = after_wrong_otp(member, T0)
    assert member.otp_lock.is_locked(T0)
    assert member.password_lock == Lockout()
    member = after_wrong_password(member, T0)
    assert member.password_lock.attempts_left() == MAX_PASSWORD_ATTEMPTS - 1
    assert after_right_otp(member).otp_lock == Lockout()
