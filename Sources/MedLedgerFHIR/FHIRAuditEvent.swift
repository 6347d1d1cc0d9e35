import MedLedgerCore

/// A ledger audit event as a FHIR `AuditEvent`, shaped after IHE Basic Audit Log Patterns: the
/// DICOM event type (or `rest` for a read an app's token made through this API), the MedLedger
/// action as subtype, the CRUDE action, the block time as `recorded`, success (0) or denial (4),
/// the account as agent (and the app as a second agent when an app read), the ledger as source,
/// and as entities the patients, the record and the ledger entry itself.
public enum FHIRAuditEvent {
    /// `roles` gives the role of accounts the event names; `appName` the registered app's name;
    /// `recordTypes` the resource type each named record is served as, where known.
    public static func resource(
        _ event: AuditEvent, roles: [AccountAddress: Role], appName: String?, recordTypes: [String: String], context: FHIRContext
    ) -> FHIRJSON {
        var agents: [FHIRJSON] = [.members([
            "type": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/extra-security-role-type", "code": "humanuser", "display": "human user"]]],
            "who": context.reference(to: event.actor, role: event.actorRole ?? roles[event.actor]),
            "requestor": true,
            "role": event.actorRole.map { [["coding": [["system": .string(context.roleSystem), "code": .string($0.rawValue), "display": .string($0.label)]]]] },
        ])]
        if let app = event.app {
            agents.append(.members([
                "type": ["coding": [["system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110150", "display": "Application"]]],
                "who": .members(["identifier": ["system": .string(context.appSystem), "value": .string(app)], "display": .string(appName ?? app)]),
                "requestor": false,
            ]))
        }
        var entities: [FHIRJSON] = event.patients.map { patient in
            [
                "what": ["reference": .string("Patient/\(patient)")],
                "type": ["system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "1", "display": "Person"],
                "role": ["system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "1", "display": "Patient"],
            ]
        }
        for record in event.records {
            var versionExtension: FHIRJSON?
            if let version = event.version, record == event.record {
                versionExtension = [["url": .string(context.extensionURL("record-version")), "valueString": .string(String(version))]]
            }
            let what: FHIRJSON = recordTypes[record].map { ["reference": .string("\($0)/\(record)")] }
                ?? ["identifier": ["system": .string(context.recordSystem), "value": .string(record)]]
            entities.append(.members([
                "what": what,
                "type": ["system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object"],
                "role": ["system": "http://terminology.hl7.org/CodeSystem/object-role", "code": "4", "display": "Domain Resource"],
                "extension": versionExtension,
            ]))
        }
        entities.append([
            "what": ["identifier": ["system": .string(context.entrySystem), "value": .string(String(event.index))]],
            "type": ["system": "http://terminology.hl7.org/CodeSystem/audit-entity-type", "code": "2", "display": "System Object"],
            "name": "ledger entry",
        ])
        var subtypes: [FHIRJSON] = [["system": .string(context.actionSystem), "code": .string(event.action)]]
        if event.app != nil, let interaction = interaction(event.status) {
            subtypes.insert(["system": "http://hl7.org/fhir/restful-interaction", "code": .string(interaction)], at: 0)
        }
        return .members([
            "resourceType": "AuditEvent",
            "id": .string(String(event.index)),
            "type": type(event),
            "subtype": .array(subtypes),
            "action": .string(action(event.status)),
            "recorded": .string(FHIRTime.instant(event.time)),
            "outcome": .string(event.outcome == .allowed ? "0" : "4"),
            "outcomeDesc": .string(event.message),
            "agent": .array(agents),
            "source": [
                "observer": ["display": .string(context.origin)],
                "type": [["system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4", "display": "Application Server"]],
            ],
            "entity": .array(entities),
            "extension": event.breakGlass ? [["url": .string(context.extensionURL("break-glass")), "valueBoolean": true]] : nil,
        ])
    }

    /// The event type: `rest` for reads an app made, else the DICOM audit event id that fits.
    static func type(_ event: AuditEvent) -> FHIRJSON {
        if event.app != nil {
            return ["system": "http://terminology.hl7.org/CodeSystem/audit-event-type", "code": "rest", "display": "RESTful Operation"]
        }
        let pair: (code: String, display: String)
        switch event.status {
        case .signedIn, .signedOut: pair = ("110114", "User Authentication")
        case .queried: pair = ("110112", "Query")
        case .emergency: pair = ("110113", "Security Alert")
        case .viewed, .printed, .copied, .downloaded, .created, .changed, .deleted, .dispensed:
            pair = event.records.isEmpty && event.patients.isEmpty ? ("110100", "Application Activity") : ("110110", "Patient Record")
        default: pair = ("110100", "Application Activity")
        }
        return ["system": "http://dicom.nema.org/resources/ontology/DCM", "code": .string(pair.code), "display": .string(pair.display)]
    }

    /// FHIR's CRUDE action code for an event status.
    public static func action(_ status: EventStatus) -> String {
        switch status {
        case .created, .registered, .booked, .granted, .requested: "C"
        case .viewed, .queried, .printed, .copied, .downloaded, .checked: "R"
        case .changed, .verified, .suspended, .reactivated, .accepted, .declined, .completed, .cancelled, .revoked, .approved, .rejected,
            .dispensed, .signedOff:
            "U"
        case .deleted, .erased: "D"
        default: "E"
        }
    }

    /// The FHIR interaction an app's read was, by its status.
    static func interaction(_ status: EventStatus) -> String? {
        switch status {
        case .viewed, .downloaded: "read"
        case .queried: "search-type"
        default: nil
        }
    }
}
