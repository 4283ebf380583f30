from easypay.errors import NotFound


class NotificationNotFound(NotFound):
    code = "NotificationNotFound"
    message = "No such message."
