"""Registration: in person or online, capacities, the waiting list, the manage link."""
