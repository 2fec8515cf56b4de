"""The checkout's own words in English and Arabic, and Arabic for the services' messages.

Service messages are English; the fixed ones (and the few with a number in
them) have an Arabic version here, anything else is shown as it comes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from markupsafe import Markup, escape

LANGUAGES = ("en", "ar")

_EN: dict[str, str] = {
    "title": "Botim Money checkout",
    "brand": "Botim Money",
    "switch_language": "العربية",
    "pay_to": "Pay to",
    "amount": "Amount",
    "order_no": "Order",
    "time_left": "Time left",
    "minutes": "{n} min",
    "status": "Status",
    "status_CREATED": "Awaiting payment",
    "status_PAID_SUCCESS": "Paid",
    "status_SETTLED": "Paid",
    "status_FAILURE": "Closed",
    "sign_in_title": "Sign in to your wallet",
    "phone": "Mobile number",
    "otp": "Verification code",
    "sandbox_otp": "Sandbox: verification code {otp}; test wallets {wallets}.",
    "sign_in": "Sign in",
    "signed_in_as": "Signed in as",
    "balance": "Balance",
    "sign_out": "Not you? Sign out",
    "pay_with": "Pay with",
    "method_BALANCE": "Wallet balance",
    "method_CARD": "Card",
    "card_details": "Card details",
    "pay_by_card": "Pay by card",
    "card_number": "Card number",
    "expiry": "Expiry (MM/YY)",
    "cvv": "CVV",
    "test_card": "Sandbox test card: {card}, {expiry}, CVV {cvv}.",
    "outcome": "Simulation case",
    "outcome_SUCCESS": "Success",
    "outcome_PENDING": "Pending",
    "outcome_FAILURE": "Failure",
    "password": "Payment password",
    "password_required": "required for AED 500 or more",
    "password_optional": "optional below AED 500",
    "pay": "Pay {amount}",
    "cancel": "Cancel",
    "close": "Close",
    "try_again": "Try again",
    "back": "Back to checkout",
    "result_success": "Payment successful",
    "result_failed": "Payment failed",
    "result_cancelled": "You left the payment",
    "result_pending": "Confirming your payment…",
    "paid_note": "{merchant} has received your payment.",
    "pending_note": "The bank is confirming the payment. This page updates by itself.",
    "cancelled_note": (
        "Nothing was charged. The order is still open until it expires or {merchant} cancels it."
    ),
    "back_to_merchant": "Back to {merchant}",
    "failed_note": "The payment was not completed.",
    "final_note": "This order can no longer be paid.",
    "one_time_note": "This order allowed one payment attempt only.",
    "reason_INSUFFICIENT_BALANCE": "Your wallet balance was not enough.",
    "reason_CARD_DECLINED": "The card was declined.",
    "not_found_title": "Payment link not valid",
    "not_found": "This payment link is not valid. Ask the merchant for a new one.",
    "forbidden_title": "Request refused",
    "forbidden": "This form has expired or did not come from this page. Go back and try again.",
    "session_ended": "Your session has ended. Sign in again.",
    "bad_form": "Some of the form's fields are missing or too long.",
    "secured": "Secured by Botim Money",
    "sandbox": "Sandbox",
}

_AR: dict[str, str] = {
    "title": "الدفع عبر Botim Money",
    "brand": "Botim Money",
    "switch_language": "English",
    "pay_to": "الدفع إلى",
    "amount": "المبلغ",
    "order_no": "رقم الطلب",
    "time_left": "الوقت المتبقي",
    "minutes": "{n} دقيقة",
    "status": "الحالة",
    "status_CREATED": "بانتظار الدفع",
    "status_PAID_SUCCESS": "مدفوع",
    "status_SETTLED": "مدفوع",
    "status_FAILURE": "مغلق",
    "sign_in_title": "سجّل الدخول إلى محفظتك",
    "phone": "رقم الجوال",
    "otp": "رمز التحقق",
    "sandbox_otp": "بيئة الاختبار: رمز التحقق {otp}، محافظ الاختبار {wallets}.",
    "sign_in": "تسجيل الدخول",
    "signed_in_as": "مسجّل الدخول باسم",
    "balance": "الرصيد",
    "sign_out": "لست أنت؟ تسجيل الخروج",
    "pay_with": "طريقة الدفع",
    "method_BALANCE": "رصيد المحفظة",
    "method_CARD": "بطاقة",
    "card_details": "بيانات البطاقة",
    "pay_by_card": "الدفع بالبطاقة",
    "card_number": "رقم البطاقة",
    "expiry": "تاريخ الانتهاء (MM/YY)",
    "cvv": "رمز CVV",
    "test_card": "بطاقة الاختبار: {card}، {expiry}، CVV {cvv}.",
    "outcome": "حالة المحاكاة",
    "outcome_SUCCESS": "نجاح",
    "outcome_PENDING": "قيد الانتظار",
    "outcome_FAILURE": "فشل",
    "password": "كلمة مرور الدفع",
    "password_required": "مطلوبة للمبالغ من 500 درهم فأكثر",
    "password_optional": "اختيارية للمبالغ الأقل من 500 درهم",
    "pay": "ادفع {amount}",
    "cancel": "إلغاء",
    "close": "إغلاق",
    "try_again": "حاول مرة أخرى",
    "back": "العودة إلى صفحة الدفع",
    "result_success": "تم الدفع بنجاح",
    "result_failed": "فشل الدفع",
    "result_cancelled": "غادرت صفحة الدفع",
    "result_pending": "جارٍ تأكيد الدفع…",
    "paid_note": "استلم {merchant} دفعتك.",
    "pending_note": "يقوم البنك بتأكيد الدفع. ستتحدّث هذه الصفحة تلقائيًا.",
    "cancelled_note": "لم يُخصم أي مبلغ. يبقى الطلب مفتوحًا حتى تنتهي صلاحيته أو يلغيه {merchant}.",
    "back_to_merchant": "العودة إلى {merchant}",
    "failed_note": "لم تكتمل عملية الدفع.",
    "final_note": "لم يعد من الممكن دفع هذا الطلب.",
    "one_time_note": "يسمح هذا الطلب بمحاولة دفع واحدة فقط.",
    "reason_INSUFFICIENT_BALANCE": "رصيد محفظتك غير كافٍ.",
    "reason_CARD_DECLINED": "تم رفض البطاقة.",
    "not_found_title": "رابط الدفع غير صالح",
    "not_found": "رابط الدفع هذا غير صالح. اطلب رابطًا جديدًا من التاجر.",
    "forbidden_title": "تم رفض الطلب",
    "forbidden": "انتهت صلاحية هذا النموذج أو لم يصدر من هذه الصفحة. ارجع وحاول مرة أخرى.",
    "session_ended": "انتهت جلستك. سجّل الدخول مرة أخرى.",
    "bad_form": "بعض حقول النموذج مفقودة أو طويلة جدًا.",
    "secured": "محمي بواسطة Botim Money",
    "sandbox": "بيئة الاختبار",
}

# Arabic for the fixed messages of services/payments.py, domain/payment.py, services/wallets.py.
_AR_MESSAGES: dict[str, str] = {
    "This payment link is not valid.": "رابط الدفع هذا غير صالح.",
    "This order has already been paid.": "تم دفع هذا الطلب بالفعل.",
    "The merchant cancelled this order.": "ألغى التاجر هذا الطلب.",
    "This order has expired.": "انتهت صلاحية هذا الطلب.",
    "This order can no longer be paid.": "لم يعد من الممكن دفع هذا الطلب.",
    "This order is reserved for another customer.": "هذا الطلب مخصص لعميل آخر.",
    "Another customer has already scanned this order.": "قام عميل آخر بمسح هذا الطلب بالفعل.",
    "Your Emirates ID does not match the one this order requires.": (
        "هويتك الإماراتية لا تطابق الهوية التي يتطلبها هذا الطلب."
    ),
    "Payments of AED 500 or more need your payment password.": (
        "المدفوعات بقيمة 500 درهم أو أكثر تتطلب كلمة مرور الدفع."
    ),
    "A card payment for this order is still being confirmed.": (
        "لا يزال تأكيد الدفع بالبطاقة لهذا الطلب جاريًا."
    ),
    "Use the sandbox test card 5123 4500 0000 0008, 05/31, CVV 100.": (
        "استخدم بطاقة الاختبار \u20665123 4500 0000 0008\u2069، \u206605/31\u2069، CVV 100."
    ),
    "The card was declined.": "تم رفض البطاقة.",
    "The card was not accepted. Check its number, expiry date and CVV.": (
        "لم تُقبل البطاقة. تحقق من رقمها وتاريخ انتهائها ورمز CVV."
    ),
    "The card was declined. This order allowed one attempt only.": (
        "تم رفض البطاقة. يسمح هذا الطلب بمحاولة واحدة فقط."
    ),
    "Enter a valid phone number.": "أدخل رقم جوال صالحًا.",
    "The verification code is wrong.": "رمز التحقق غير صحيح.",
    "No wallet has this phone number.": "لا توجد محفظة بهذا الرقم.",
    "Sign in to your wallet first.": "سجّل الدخول إلى محفظتك أولًا.",
    "The order changed meanwhile; please retry.": "تغيّر الطلب في هذه الأثناء؛ حاول مرة أخرى.",
    "This order can only be paid from the customer's Botim wallet.": (
        "لا يمكن دفع هذا الطلب إلا من محفظة Botim الخاصة بالعميل."
    ),
}

_AR_PATTERNS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"^Wrong payment password\. (\d+) attempts left\.$"),
        lambda m: f"كلمة مرور الدفع غير صحيحة. المحاولات المتبقية: {m[1]}.",
    ),
    (
        re.compile(r"^The verification code is wrong\. (\d+) attempts left\.$"),
        lambda m: f"رمز التحقق غير صحيح. المحاولات المتبقية: {m[1]}.",
    ),
    (
        re.compile(r"^Too many wrong verification codes\. Try again in (\d+) minutes?\.$"),
        lambda m: f"أدخلت رمز تحقق خاطئًا مرات كثيرة. حاول مرة أخرى بعد {m[1]} دقيقة.",
    ),
    (
        re.compile(r"^Too many wrong payment passwords\. Try again in (\d+) minutes\.$"),
        lambda m: f"أدخلت كلمة مرور خاطئة مرات كثيرة. حاول مرة أخرى بعد {m[1]} دقيقة.",
    ),
    (
        re.compile(r"^Your balance of AED ([\d.]+) is not enough for AED ([\d.]+)\.( .*)?$"),
        lambda m: (
            f"رصيدك {m[1]} درهم غير كافٍ لدفع {m[2]} درهم."
            + (" يسمح هذا الطلب بمحاولة واحدة فقط." if m[3] else "")
        ),
    ),
]


# Numbers, phone ranges and dates shown left to right inside any sentence (bidi isolated).
SANDBOX_VALUES = {
    "otp": "123456",
    "wallets": "+971 56 000 0000 … 0009",
    "card": "5123 4500 0000 0008",
    "expiry": "05/31",
    "cvv": "100",
}


def isolated(template: str, values: Mapping[str, str]) -> Markup:
    """`template` escaped, each {name} replaced by its value in <bdi dir="ltr">, so a
    phone range or a card number keeps its order in an Arabic sentence."""
    wrapped = {
        name: Markup('<bdi dir="ltr">{}</bdi>').format(value) for name, value in values.items()
    }
    return escape(template).format(**wrapped)


def language(raw: str | None) -> str:
    """'ar' when asked for, English otherwise."""
    return "ar" if (raw or "").strip().lower() == "ar" else "en"


def labels(lang: str) -> dict[str, str]:
    return _AR if lang == "ar" else _EN


def message(lang: str, text: str) -> str:
    """A service message in the page's language (as it came when there is no translation)."""
    if lang != "ar":
        return text
    if text in _AR_MESSAGES:
        return _AR_MESSAGES[text]
    for pattern, build in _AR_PATTERNS:
        found = pattern.match(text)
        if found:
            return build(found)
    return text
