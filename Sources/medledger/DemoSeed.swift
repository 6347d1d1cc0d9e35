import Foundation
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage

/// Fills a new demo ledger with one account of every role and a little sample data.
///
/// Everything goes through the contracts exactly as the browser would send it: each account signs
/// its own actions, every action must be allowed (a denial stops the seeding with the step's
/// name), and every document (profiles, symptoms, notes, certificates) is stored encrypted in the
/// blob store first. The demo passwords are made-up and shown on the log-in page in demo mode only;
/// they are written to `demo-accounts.json` (mode 0600) so a restart with `--demo` lists them again.
///
/// What a newcomer finds:
/// - `admin.demo`: the genesis administrator; a doctor (`dr.pending`) waits for verification and a
///   sign-up (`new.staff`) waits for an account.
/// - `pat.demo`: a profile, three appointments (requested, accepted, completed), four records (a
///   visit note in two versions, a lab result, a prescription, a report), four grants and a
///   pending access request from the hospital.
/// - `dr.demo`: a verified doctor with those appointments and records and a second patient,
///   `pat.second`, who asked for a visit.
/// - `auditor.demo`, `hospital.demo`, `pharmacy.demo`: granted all records, reports, and
///   prescriptions of `pat.demo` respectively.
struct DemoSeed {
    let node: LedgerNode
    let credentials: any CredentialStore
    let directory: DataDirectory
    let admin: P256Key
    let logger: Logger

    /// The file in the data directory that lists the demo accounts.
    static let fileName = "demo-accounts.json"

    func run() async throws -> [WebConfiguration.DemoAccount] {
        let started = ContinuousClock.now
        let cast = DemoCast(admin: admin)
        logger.info("demo: creating accounts and sample data", metadata: ["accounts": "\(cast.everyone.count)"])

        // The password credentials (PBKDF2, the slow part) are made while the ledger fills up:
        // neither depends on the other.
        async let signIns: Duration = makeCredentials(for: cast.everyone)
        let ledgerTime = try await ContinuousClock().measure { try await seedLedger(cast) }
        let credentialTime = try await signIns

        let accounts = cast.everyone.map { WebConfiguration.DemoAccount(username: $0.username, password: $0.password, role: $0.role) }
        try Self.save(accounts, in: directory)
        logger.info("demo: seeded", metadata: [
            "accounts": "\(accounts.count)", "entries": "\(node.size)",
            "ledgerSeconds": "\(Self.seconds(ledgerTime))", "credentialSeconds": "\(Self.seconds(credentialTime))",
            "totalSeconds": "\(Self.seconds(ContinuousClock.now - started))",
        ])
        return accounts
    }

    /// The demo accounts a previous `serve --demo` created in `directory`.
    static func savedAccounts(in directory: DataDirectory) throws -> [WebConfiguration.DemoAccount] {
        let url = directory.url.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        do {
            return try JSONDecoder().decode([WebConfiguration.DemoAccount].self, from: Data(contentsOf: url))
        } catch {
            throw CLIError("\(url.path) is not a list of demo accounts: \(error)")
        }
    }

    static func save(_ accounts: [WebConfiguration.DemoAccount], in directory: DataDirectory) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = directory.url.appendingPathComponent(fileName).path
        try DataDirectory.writeSecret(try encoder.encode(accounts), to: path)
    }

    private static func seconds(_ duration: Duration) -> String {
        String(format: "%.2f", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    // MARK: Credentials

    /// Makes and stores every account's password credential, several at a time.
    private func makeCredentials(for people: [DemoPerson]) async throws -> Duration {
        let credentials = self.credentials
        let logger = self.logger
        let now = node.clock()
        return try await ContinuousClock().measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for person in people {
                    group.addTask {
                        let credential: Credential
                        do {
                            credential = try await Self.credential(for: person, now: now)
                            try await credentials.insert(credential)
                        } catch {
                            throw DemoSeedError(step: "sign-in credential of \(person.username)", reason: "\(error)")
                        }
                        logger.info("demo: account ready", metadata: [
                            "username": "\(person.username)", "role": "\(person.role.rawValue)", "address": "\(person.address)",
                        ])
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    /// Runs the slow key derivation on a dispatch thread, so the cooperative threads stay free for
    /// the ledger work going on meanwhile.
    private static func credential(for person: DemoPerson, now: Int64) async throws -> Credential {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result {
                    try CredentialFactory.make(username: person.username, password: person.password, key: person.key, role: person.role, now: now)
                })
            }
        }
    }

    // MARK: Ledger

    private func seedLedger(_ cast: DemoCast) async throws {
        guard let blobs = node.blobs else { throw DemoSeedError(step: "set-up", reason: "the node has no blob store") }
        // Each document is sealed for its owner and records who uploaded it: only that account may
        // name it in a transaction.
        let put = { (document: DemoDocument, owner: AccountAddress, uploader: AccountAddress, step: String) async throws -> String in
            do {
                return try await blobs.put(document.bytes, owner: owner, uploader: uploader)
            } catch {
                throw DemoSeedError(step: step, reason: "the document could not be stored: \(error)")
            }
        }
        let admin = cast.admin, patient = cast.patient, second = cast.secondPatient, doctor = cast.doctor
        let pending = cast.pendingDoctor, auditor = cast.auditor, hospital = cast.hospital, pharmacy = cast.pharmacy

        // Organizations and the administrator's own profile.
        try await submit(CreateOrganization(id: "demo-hospital", name: "Demo General Hospital", kind: .hospital), by: admin, step: "create the demo hospital")
        try await submit(CreateOrganization(id: "demo-pharmacy", name: "Demo Corner Pharmacy", kind: .pharmacy), by: admin, step: "create the demo pharmacy")
        let adminName = await node.account(admin.address)?.displayName ?? "Demo administrator"
        let adminProfile = try await put(.json(["name": adminName, "phone": "+1 555 0100", "note": "Demo account; made-up data"]), admin.address, admin.address, "admin profile")
        try await submit(UpdateProfile(profile: adminProfile, displayName: adminName), by: admin, step: "admin profile")

        // Patients register themselves, with their details in the encrypted profile.
        let patientProfile = try await put(.json(["name": "Alex Demo", "birthDate": "1985-04-12", "phone": "+1 555 0101"]), patient.address, patient.address, "patient profile")
        try await submit(RegisterPatient(profile: patientProfile), by: patient, step: "register pat.demo")
        let secondProfile = try await put(.json(["name": "Sam Second", "birthDate": "1992-09-30", "phone": "+1 555 0102"]), second.address, second.address, "second patient profile")
        try await submit(RegisterPatient(profile: secondProfile), by: second, step: "register pat.second")

        // Doctors register with a licence certificate; the administrator verifies one of them.
        let certificate = try await put(.pdf(DemoDocument.certificate(name: "Dr. Dana Demo", speciality: "General practice", licence: "DEMO-GP-0001")), doctor.address, doctor.address, "doctor certificate")
        let doctorProfile = try await put(.json(["name": "Dr. Dana Demo", "phone": "+1 555 0110", "office": "Demo General Hospital, room 12"]), doctor.address, doctor.address, "doctor profile")
        try await submit(RegisterDoctor(
            displayName: "Dr. Dana Demo", speciality: "General practice", licence: "DEMO-GP-0001", certificate: certificate,
            profile: doctorProfile, organization: "demo-hospital"
        ), by: doctor, step: "register dr.demo")
        try await submit(VerifyDoctor(doctor: doctor.address, decision: .approve, certificate: certificate), by: admin, step: "verify dr.demo")
        let pendingCertificate = try await put(.pdf(DemoDocument.certificate(name: "Dr. Pat Pending", speciality: "Cardiology", licence: "DEMO-CARD-0002")), pending.address, pending.address, "pending doctor certificate")
        try await submit(RegisterDoctor(
            displayName: "Dr. Pat Pending", speciality: "Cardiology", licence: "DEMO-CARD-0002", certificate: pendingCertificate,
            organization: "demo-hospital"
        ), by: pending, step: "register dr.pending")

        // Staff accounts the administrator creates.
        try await submit(CreateAccount(publicKey: auditor.payloadKey, role: .auditor, displayName: "Avery Auditor"), by: admin, step: "create auditor.demo")
        try await submit(CreateAccount(
            publicKey: hospital.payloadKey, role: .hospitalManagement, displayName: "Demo Hospital Management", organization: "demo-hospital"
        ), by: admin, step: "create hospital.demo")
        try await submit(CreateAccount(
            publicKey: pharmacy.payloadKey, role: .pharmacy, displayName: "Demo Pharmacy Counter", organization: "demo-pharmacy"
        ), by: admin, step: "create pharmacy.demo")

        // Appointments. The first is booked a moment ahead so it can be held (completed) before
        // seeding ends; the others are upcoming.
        let symptoms = try await put(.json(["symptoms": "Dry cough for two weeks, mild fever in the evenings", "since": "two weeks"]), patient.address, patient.address, "appointment symptoms")
        let now = node.clock()
        let heldAt = now + 4_000
        try await submit(BookAppointment(id: "appt-1", doctor: doctor.address, time: heldAt, symptoms: symptoms), by: patient, step: "book appt-1")
        try await submit(AcceptAppointment(appointment: "appt-1"), by: doctor, step: "accept appt-1")
        let followUp = try await put(.json(["symptoms": "Follow-up of the bronchitis; cough much better"]), patient.address, patient.address, "follow-up symptoms")
        try await submit(BookAppointment(id: "appt-2", doctor: doctor.address, time: Self.time(daysAhead: 1, hour: 10, after: now), symptoms: followUp), by: patient, step: "book appt-2")
        try await submit(AcceptAppointment(appointment: "appt-2"), by: doctor, step: "accept appt-2")
        let checkUp = try await put(.json(["symptoms": "Yearly check-up; occasional headaches"]), patient.address, patient.address, "check-up symptoms")
        try await submit(BookAppointment(id: "appt-3", doctor: doctor.address, time: Self.time(daysAhead: 3, hour: 14, minute: 30, after: now), symptoms: checkUp), by: patient, step: "book appt-3")
        let secondSymptoms = try await put(.json(["symptoms": "Sprained left ankle while running"]), second.address, second.address, "second patient symptoms")
        try await submit(BookAppointment(id: "appt-4", doctor: doctor.address, time: Self.time(daysAhead: 2, hour: 9, after: now), symptoms: secondSymptoms), by: second, step: "book appt-4")

        // Grants from the patient, for a year (the longest allowed is 366 days).
        let yearAhead = node.clock() + 365 * 86_400_000
        try await submit(CreateGrant(id: "grant-doctor", grantee: doctor.address, scope: .all, expires: yearAhead), by: patient, step: "grant dr.demo all records")
        try await submit(CreateGrant(id: "grant-auditor", grantee: auditor.address, scope: .all, expires: yearAhead), by: patient, step: "grant auditor.demo all records")
        try await submit(CreateGrant(id: "grant-pharmacy", grantee: pharmacy.address, scope: .category(.prescriptions), expires: yearAhead), by: patient, step: "grant pharmacy.demo prescriptions")
        try await submit(CreateGrant(id: "grant-hospital", grantee: hospital.address, scope: .category(.reports), expires: yearAhead), by: patient, step: "grant hospital.demo reports")
        try await submit(CreateGrant(id: "grant-doctor-2", grantee: doctor.address, scope: .all, expires: yearAhead), by: second, step: "grant dr.demo the second patient's records")

        // Records the doctor writes after the first visit: each document is stored encrypted
        // under its patient's key, then named by the record's transaction.
        let writeRecord = { (id: String, patient: DemoPerson, category: RecordCategory, fields: [String: String]) async throws in
            let content = try await put(.json(fields), patient.address, doctor.address, "the document of \(id)")
            try await submit(CreateRecord(id: id, patient: patient.address, category: category, content: content), by: doctor, step: "create \(id)")
        }
        try await writeRecord("rec-visit-1", patient, .visitNotes, [
            "title": "Visit note: persistent cough",
            "diagnosis": "Acute bronchitis",
            "treatmentPlan": "Rest, fluids, steam inhalation; review in one week",
            "medicationNotes": "Paracetamol 500 mg as needed for fever",
        ])
        let visitRevised = try await put(.json([
            "title": "Visit note: persistent cough",
            "diagnosis": "Acute bronchitis; chest X-ray clear",
            "treatmentPlan": "Rest, fluids, steam inhalation; a 7-day course of amoxicillin; review in one week",
            "medicationNotes": "Amoxicillin 500 mg three times a day (see prescription); paracetamol 500 mg as needed",
        ]), patient.address, doctor.address, "revised visit note")
        try await submit(UpdateRecord(record: "rec-visit-1", content: visitRevised, baseVersion: 1), by: doctor, step: "update rec-visit-1")
        try await writeRecord("rec-lab-1", patient, .labResults, [
            "title": "Full blood count",
            "haemoglobin": "13.9 g/dL (13.0-17.0)",
            "whiteCells": "11.2 x10^9/L (4.0-11.0), slightly raised",
            "platelets": "265 x10^9/L (150-400)",
            "crp": "18 mg/L (< 5), raised",
            "notes": "Consistent with an acute infection",
        ])
        try await writeRecord("rec-rx-1", patient, .prescriptions, [
            "medication": "Amoxicillin 500 mg capsules",
            "dosage": "One capsule three times a day for 7 days (21 capsules)",
            "instructions": "Take with water, with or without food; finish the course even when you feel better",
        ])
        try await writeRecord("rec-report-1", patient, .reports, [
            "title": "Outpatient report",
            "text": "Seen in the general practice clinic for a persistent cough. Treated as acute bronchitis with antibiotics. No admission needed; follow-up booked.",
        ])
        try await writeRecord("rec-visit-2", second, .visitNotes, [
            "title": "Phone consultation: ankle sprain",
            "diagnosis": "Suspected grade I sprain of the left ankle",
            "treatmentPlan": "Rest, ice, compression, elevation; examine at the booked visit",
            "medicationNotes": "Ibuprofen 400 mg up to three times a day with food, if needed",
        ])

        // A request waiting for the patient's answer (shown when they sign in).
        let reason = try await put(.json(["reason": "Quality review of recent laboratory results at Demo General Hospital"]), patient.address, hospital.address, "access request reason")
        try await submit(RequestAccess(id: "req-hospital-1", patient: patient.address, scope: .category(.labResults), reason: reason), by: hospital, step: "hospital access request")

        // A few reads, so the activity pages and the patient's trail have content.
        try await read(ViewRecord(record: "rec-visit-1"), by: doctor, step: "dr.demo views rec-visit-1")
        try await read(ViewRecord(record: "rec-visit-1", version: 1), by: doctor, step: "dr.demo views rec-visit-1 version 1")
        try await read(ViewRecord(record: "rec-lab-1"), by: doctor, step: "dr.demo views rec-lab-1")
        try await read(ViewRecord(record: "rec-rx-1"), by: pharmacy, step: "pharmacy.demo views rec-rx-1")
        try await read(ViewRecord(record: "rec-report-1"), by: hospital, step: "hospital.demo views rec-report-1")

        // The first visit is over by now: the doctor marks it held.
        let wait = heldAt - node.clock() + 50
        if wait > 0 { try await Task.sleep(for: .milliseconds(wait)) }
        try await submit(CompleteAppointment(appointment: "appt-1"), by: doctor, step: "complete appt-1")
    }

    /// Signs and submits an action; throws unless the contracts allowed it.
    private func submit<Body: TransactionBody>(_ body: Body, by person: DemoPerson, step: String) async throws {
        let receipt: Receipt
        do {
            let envelope = try EnvelopeSigner(key: person.key, origin: node.origin).sign(body, expires: node.clock() + 60_000)
            receipt = try await node.submit(envelope)
        } catch {
            throw DemoSeedError(step: step, reason: "\(error)")
        }
        guard let outcome = receipt.contract else { throw DemoSeedError(step: step, reason: "the node ran no contract for \(Body.transactionType)") }
        guard outcome.allowed else { throw DemoSeedError(step: step, reason: "denied: \(outcome.event.message)") }
        logger.debug("demo: \(step)", metadata: ["entry": "\(receipt.index)"])
    }

    /// Signs and submits a read, and checks its content decrypts.
    private func read<Body: TransactionBody>(_ body: Body, by person: DemoPerson, step: String) async throws {
        let result: QueryResult
        do {
            let envelope = try EnvelopeSigner(key: person.key, origin: node.origin).sign(body, expires: node.clock() + 60_000)
            result = try await node.query(envelope)
        } catch {
            throw DemoSeedError(step: step, reason: "\(error)")
        }
        guard result.content?.isEmpty == false else { throw DemoSeedError(step: step, reason: "the read returned no content") }
        logger.debug("demo: \(step)", metadata: ["entry": "\(result.receipt.index)"])
    }

    /// Unix milliseconds of `hour:minute` local time, `daysAhead` days after `time`.
    static func time(daysAhead: Int, hour: Int, minute: Int = 0, after time: Int64) -> Int64 {
        let calendar = Calendar.current
        let base = UnixMilliseconds.date(time)
        let day = calendar.date(byAdding: .day, value: daysAhead, to: calendar.startOfDay(for: base)) ?? base
        let date = calendar.date(bySettingHour: hour, minute: minute, second: 0, of: day) ?? day.addingTimeInterval(Double(hour * 3600 + minute * 60))
        return max(UnixMilliseconds.of(date), time + 3_600_000)
    }
}

/// One demo account: its key and its made-up sign-in.
struct DemoPerson: Sendable {
    let username: String
    let password: String
    let role: Role
    let key: P256Key

    init(_ username: String, _ password: String, _ role: Role, key: P256Key = P256Key()) {
        self.username = username
        self.password = password
        self.role = role
        self.key = key
    }

    var address: AccountAddress { key.publicKey.address }
    var payloadKey: String { key.publicKey.payloadKey }
}

/// Everyone in the demo. Passwords are at least 12 characters and say they are for the demo.
struct DemoCast: Sendable {
    let admin: DemoPerson
    let patient = DemoPerson("pat.demo", "demo-patient-2026", .patient)
    let doctor = DemoPerson("dr.demo", "demo-doctor-2026", .doctor)
    let auditor = DemoPerson("auditor.demo", "demo-auditor-2026", .auditor)
    let hospital = DemoPerson("hospital.demo", "demo-hospital-2026", .hospitalManagement)
    let pharmacy = DemoPerson("pharmacy.demo", "demo-pharmacy-2026", .pharmacy)
    let secondPatient = DemoPerson("pat.second", "demo-patient2-2026", .patient)
    let pendingDoctor = DemoPerson("dr.pending", "demo-pending-2026", .doctor)
    /// Signed up, but no account on the ledger yet: the administrator's sign-ups list.
    let newStaff = DemoPerson("new.staff", "demo-newstaff-2026", .auditor)

    init(admin key: P256Key) {
        admin = DemoPerson("admin.demo", "demo-admin-2026", .admin, key: key)
    }

    /// In the order the log-in page lists them: one of each role first.
    var everyone: [DemoPerson] { [admin, patient, doctor, auditor, hospital, pharmacy, secondPatient, pendingDoctor, newStaff] }
}

/// A document put in the blob store.
enum DemoDocument {
    case json([String: String])
    case pdf([UInt8])

    var bytes: [UInt8] {
        switch self {
        case .json(let fields):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return Array((try? encoder.encode(fields)) ?? Data("{}".utf8))
        case .pdf(let bytes):
            return bytes
        }
    }

    /// A one-page PDF licence certificate, marked as demo data.
    static func certificate(name: String, speciality: String, licence: String) -> [UInt8] {
        pdf(title: "Medical licence certificate (DEMO)", lines: [
            "Name: \(name)",
            "Speciality: \(speciality)",
            "Licence number: \(licence)",
            "Issued by: Demo Medical Council",
            "",
            "This certificate is made-up demo data and is not valid anywhere.",
        ])
    }

    /// A minimal, well-formed single-page PDF (Helvetica text, ASCII only).
    static func pdf(title: String, lines: [String]) -> [UInt8] {
        func escape(_ text: String) -> String {
            String(text.unicodeScalars.map { $0.isASCII ? Character($0) : "?" })
                .replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "(", with: "\\(").replacingOccurrences(of: ")", with: "\\)")
        }
        var stream = "BT\n/F1 18 Tf\n72 760 Td\n(\(escape(title))) Tj\n/F1 12 Tf\n"
        for line in lines { stream += "0 -24 Td\n(\(escape(line))) Tj\n" }
        stream += "ET\n"
        let objects = [
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
            "<< /Length \(stream.utf8.count) >>\nstream\n\(stream)endstream",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
        var out = "%PDF-1.4\n"
        var offsets: [Int] = []
        for (index, object) in objects.enumerated() {
            offsets.append(out.utf8.count)
            out += "\(index + 1) 0 obj\n\(object)\nendobj\n"
        }
        let xref = out.utf8.count
        out += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
        for offset in offsets { out += String(format: "%010d 00000 n \n", offset) }
        out += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
        return Array(out.utf8)
    }
}

/// A seeding step failed; names the step.
struct DemoSeedError: Error, CustomStringConvertible {
    let step: String
    let reason: String
    var description: String { "Creating the demo data failed at \"\(step)\": \(reason)" }
}
