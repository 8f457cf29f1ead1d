from django.apps import AppConfig


class RepairsConfig(AppConfig):
    name = "repairs"
    verbose_name = "Repair desk"

    # Technicians work the repair queue (tickets, notes, quotes, parts) and nothing else; staff run the
    # desk. History and parts are records written by the services, so nobody edits them by hand.
    role_permissions = {
        "technician": {
            "repairs.view_repairrequest",
            "repairs.change_repairrequest",
            "repairs.view_repairstatusevent",
            "repairs.view_repairnote",
            "repairs.add_repairnote",
            "repairs.view_repairquote",
            "repairs.change_repairquote",
            "repairs.view_repairquoteline",
            "repairs.add_repairquoteline",
            "repairs.change_repairquoteline",
            "repairs.delete_repairquoteline",
            "repairs.view_repairpart",
        },
        "staff": {
            "repairs.view_repairrequest",
            "repairs.add_repairrequest",
            "repairs.change_repairrequest",
            "repairs.view_repairstatusevent",
            "repairs.view_repairnote",
            "repairs.add_repairnote",
            "repairs.view_repairquote",
            "repairs.change_repairquote",
            "repairs.view_repairquoteline",
            "repairs.add_repairquoteline",
            "repairs.change_repairquoteline",
            "repairs.delete_repairquoteline",
            "repairs.view_repairpart",
        },
    }
