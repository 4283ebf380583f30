from easypay.errors import Conflict, Forbidden, InvalidInput


class CidTaken(Conflict):
    code = "CidTaken"
    message = "This CID belongs to another merchant."


class InvalidCid(InvalidInput):
    code = "InvalidCid"
    message = "A CID is 10 letters or digits."


class NoMerchantAccount(Forbidden):
    code = "NoMerchantAccount"
    message = "This account runs no approved merchant. Apply at /merchant/apply."
