"""The app shell's own words (/app) in English and Arabic: the page's labels, and the
messages its script shows (handed to /static/app.js in the page, `data-texts`).

The language comes from `?lang=ar` like the checkout's; the checkout opened from the
app is asked for the same language. Messages the JSON API sends stay English.
"""

from __future__ import annotations

from botimpay.web.checkout_text import language

__all__ = ["language", "page_labels", "script_texts"]

_EN: dict[str, str] = {
    "switch_language": "العربية",
    "hello": "Hello,",
    "sign_out": "Sign out",
    "balance_label": "Botim Money balance",
    "spending": "Spending, last 7 days",
    "spending_aria": "Spending per day",
    "activity": "Recent activity",
    "refresh": "Refresh",
    "loading": "Loading…",
    "scan_title": "Scan to pay",
    "upload": "Upload a QR picture",
    "upload_note": "PNG, JPEG, GIF or WebP up to 5 MiB. The picture is read on the server.",
    "paste_label": "Or paste a payment link",
    "paste_go": "Pay this link",
    "mini_apps": "Mini apps",
    "merchant_site": "Merchant website",
    "open": "Open",
    "try_it": "Try it",
    "demo_shop": "Demo Shop",
    "demo_shop_note": "A sandbox merchant that uses the Botim Money JS API",
    "close_site": "Close the website",
    "reload": "Reload",
    "site_title": "Merchant website",
    "tab_wallet": "Wallet",
    "tab_scan": "Scan",
    "tab_open": "Open",
    "sections": "Sections",
    "checkout_aria": "Botim Money checkout",
    "secure_checkout": "Secure checkout",
    "close_checkout": "Close the checkout",
    "signin_title": "Sign in to Botim Money",
    "signin_note": "Pay merchants in the app, scan QR codes, and keep track of your wallet.",
    "phone": "Mobile number",
    "otp": "Verification code",
    "otp_placeholder": "6 digits",
    "sign_in": "Sign in",
    "sandbox_hint": "Sandbox: test wallets {wallets}, code {otp}, payment password {password}.",
}

_AR: dict[str, str] = {
    "switch_language": "English",
    "hello": "مرحبًا،",
    "sign_out": "تسجيل الخروج",
    "balance_label": "رصيد Botim Money",
    "spending": "الإنفاق، آخر 7 أيام",
    "spending_aria": "الإنفاق اليومي",
    "activity": "النشاط الأخير",
    "refresh": "تحديث",
    "loading": "جارٍ التحميل…",
    "scan_title": "امسح للدفع",
    "upload": "حمّل صورة رمز QR",
    "upload_note": "PNG أو JPEG أو GIF أو WebP حتى 5 ميغابايت. تُقرأ الصورة على الخادم.",
    "paste_label": "أو الصق رابط دفع",
    "paste_go": "ادفع هذا الرابط",
    "mini_apps": "التطبيقات المصغّرة",
    "merchant_site": "موقع التاجر",
    "open": "فتح",
    "try_it": "جرّبه",
    "demo_shop": "المتجر التجريبي",
    "demo_shop_note": "تاجر تجريبي يستخدم واجهة Botim Money للدفع عبر JavaScript",
    "close_site": "إغلاق الموقع",
    "reload": "إعادة التحميل",
    "site_title": "موقع التاجر",
    "tab_wallet": "المحفظة",
    "tab_scan": "مسح",
    "tab_open": "فتح",
    "sections": "الأقسام",
    "checkout_aria": "الدفع عبر Botim Money",
    "secure_checkout": "دفع آمن",
    "close_checkout": "إغلاق صفحة الدفع",
    "signin_title": "سجّل الدخول إلى Botim Money",
    "signin_note": "ادفع للتجار داخل التطبيق، وامسح رموز QR، وتابع محفظتك.",
    "phone": "رقم الجوال",
    "otp": "رمز التحقق",
    "otp_placeholder": "6 أرقام",
    "sign_in": "تسجيل الدخول",
    "sandbox_hint": (
        "بيئة الاختبار: محافظ الاختبار {wallets}، الرمز {otp}، كلمة مرور الدفع {password}."
    ),
}

# What app.js shows; {name} parts are filled in by the script.
_SCRIPT_EN: dict[str, str] = {
    "no_payments": "No payments yet.",
    "top_up": "Wallet top-up",
    "today": "Today",
    "wallet_failed": "Could not load the wallet.",
    "paid": "Payment successful.",
    "left": "You left the payment. The order is still open until it expires or is cancelled.",
    "not_paid": "The payment did not go through.",
    "reading": "Reading the code…",
    "cannot_pay": "This code cannot be paid.",
    "not_botim": "This code is not a Botim Money payment link.",
    "you_paid": "{message} You paid {amount} to {merchant}.",
    "paste_first": "Paste a payment link first.",
    "bad_address": "Enter a website address starting with http:// or https://",
    "sign_in_failed": "Sign-in failed.",
    "offline": "The network is unreachable. Try again.",
}

_SCRIPT_AR: dict[str, str] = {
    "no_payments": "لا توجد مدفوعات بعد.",
    "top_up": "شحن المحفظة",
    "today": "اليوم",
    "wallet_failed": "تعذّر تحميل المحفظة.",
    "paid": "تم الدفع بنجاح.",
    "left": "غادرت صفحة الدفع. يبقى الطلب مفتوحًا حتى تنتهي صلاحيته أو يُلغى.",
    "not_paid": "لم تكتمل عملية الدفع.",
    "reading": "جارٍ قراءة الرمز…",
    "cannot_pay": "لا يمكن دفع هذا الرمز.",
    "not_botim": "هذا الرمز ليس رابط دفع من Botim Money.",
    "you_paid": "{message} دفعت {amount} إلى {merchant}.",
    "paste_first": "الصق رابط الدفع أولًا.",
    "bad_address": "أدخل عنوان موقع يبدأ بـ http:// أو https://",
    "sign_in_failed": "فشل تسجيل الدخول.",
    "offline": "الشبكة غير متاحة. حاول مرة أخرى.",
}


def page_labels(lang: str) -> dict[str, str]:
    return _AR if lang == "ar" else _EN


def script_texts(lang: str) -> dict[str, str]:
    return _SCRIPT_AR if lang == "ar" else _SCRIPT_EN
