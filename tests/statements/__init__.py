"""acquire2/download/getOrderStatement and getInvoice over HTTP."""
