"""Settlement (정산): each merchant's payable, net of cancels and fees, paid daily to its bank
account, with a statement of line items."""
