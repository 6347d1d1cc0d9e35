/// `document.view`: read one of the small encrypted documents that travel with a request rather
/// than a record: the symptoms a patient wrote when booking, the reason a requester gave for an
/// access request, the justification a doctor wrote when opening break-glass access.
///
/// Each kind has its own readers, and the patient always reads their own:
/// - symptoms: the appointment's doctor, unless the patient deleted the appointment;
/// - reason: the account that sent the request (the patient reads it to decide);
/// - justification: the doctor who opened the access, and auditors holding a grant from the
///   patient in force (they review emergency accesses);
/// - note: the auditor who signed the record's trail off, and auditors whose grant covers the record.
///
/// Nothing about an erased patient is readable. Every attempt is an audit event naming the patient,
/// so the patient's activity shows who read what they wrote.
public struct ViewDocument: ContractAction, Equatable {
    public static let transactionType = "document.view"
    public static let eventStatus = EventStatus.viewed
    public static let summary = "view"

    /// Which side document to read; ``id`` names the object that carries it.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// An appointment's symptoms (``id`` is the appointment's id).
        case symptoms
        /// An access request's reason (``id`` is the request's id).
        case reason
        /// A break-glass access's justification (``id`` is the access's id).
        case justification
        /// The note of a record's latest audit sign-off (``id`` is the record's id).
        case note
    }

    public var kind: Kind
    public var id: String

    public init(kind: Kind, id: String) {
        self.kind = kind
        self.id = id
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        switch kind {
        case .symptoms:
            facts.object = "symptoms of appointment \(id)"
            guard let appointment = state.appointments[id] else { throw ContractDenial("no such appointment") }
            facts.patient = appointment.patient
            facts.doctor = appointment.doctor
            try state.checkNotErased(appointment.patient)
            let reader = try state.activeAccount(context.actor)
            if reader.address != appointment.patient {
                guard reader.address == appointment.doctor else {
                    throw ContractDenial("only the patient and the appointment's doctor read its symptoms")
                }
                guard appointment.status != .deleted else { throw ContractDenial("the patient deleted the appointment") }
            }
            guard let symptoms = appointment.symptoms else { throw ContractDenial("the appointment has no symptoms") }
            return .document(kind: kind, content: symptoms, owner: appointment.patient, author: appointment.patient)
        case .reason:
            facts.object = "reason of access request \(id)"
            guard let request = state.accessRequests[id] else { throw ContractDenial("no such access request") }
            facts.patient = request.patient
            try state.checkNotErased(request.patient)
            let reader = try state.activeAccount(context.actor)
            guard reader.address == request.patient || reader.address == request.requester else {
                throw ContractDenial("only the patient and the requester read the request's reason")
            }
            return .document(kind: kind, content: request.reason, owner: request.patient, author: request.requester)
        case .justification:
            facts.object = "justification of break-glass \(id)"
            guard let access = state.breakGlass[id] else { throw ContractDenial("no such break-glass access") }
            facts.patient = access.patient
            facts.doctor = access.doctor
            try state.checkNotErased(access.patient)
            let reader = try state.activeAccount(context.actor)
            if reader.address != access.patient && reader.address != access.doctor {
                guard reader.role == .auditor else {
                    throw ContractDenial("only the patient, the doctor who opened it and auditors the patient granted read the justification")
                }
                guard state.grants(from: access.patient, to: reader.address).contains(where: { $0.isActive(at: context.time) }) else {
                    throw ContractDenial("the patient has not granted this auditor access")
                }
                facts.auditor = reader.address
            }
            return .document(kind: kind, content: access.justification, owner: access.patient, author: access.doctor)
        case .note:
            facts.object = "sign-off note of record \(id)"
            let record = try state.existingRecord(id, facts: &facts)
            let reader = try state.activeAccount(context.actor)
            guard let signOff = record.signOff, let note = signOff.note else { throw ContractDenial("the record's sign-off has no note") }
            if reader.address != record.patient {
                guard reader.address == signOff.auditor || state.auditorCovers(record, auditor: reader, at: context.time) else {
                    throw ContractDenial("only the patient and auditors whose grant covers the record read its sign-off note")
                }
                facts.auditor = reader.address
            }
            return .document(kind: kind, content: note, owner: record.patient, author: signOff.auditor)
        }
    }
}
