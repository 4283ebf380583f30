"""The inbox: every service tells people what happened here (`service.notify`)."""
