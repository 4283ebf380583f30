from easypay.errors import Conflict, InvalidInput


class CidTaken(Conflict):
    code = "CidTaken"
    message = "This CID belongs to another merchant."


class InvalidCid(InvalidInput):
    code = "InvalidCid"
    message = "A CID is 10 letters or digits."
