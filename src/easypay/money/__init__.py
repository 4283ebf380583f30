"""Pay Money: the prepaid balance, charged from and withdrawn to linked bank accounts."""
