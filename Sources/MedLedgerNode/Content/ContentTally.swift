import MedLedgerCore

/// The content store's part of an auditor's tally check: every version a record's state names
/// must be stored, hash to its CID, and be sealed for the record's patient.
public enum ContentTally {
    /// One plain sentence per problem, in version order; empty when every version's content is
    /// intact. Objects are checked a few at a time, since each check re-reads and hashes a file.
    public static func discrepancies(record: MedicalRecord, blobs: any BlobStore, concurrency: Int = 4) async -> [String] {
        await withTaskGroup(of: (Int, String?).self) { group in
            var found = [String?](repeating: nil, count: record.versions.count)
            var next = 0
            func start() {
                guard next < record.versions.count else { return }
                let position = next
                let version = record.versions[position]
                next += 1
                group.addTask { (position, await problem(with: version, patient: record.patient, blobs: blobs)) }
            }
            for _ in 0..<max(1, concurrency) { start() }
            for await (position, problem) in group {
                found[position] = problem
                start()
            }
            return found.compactMap { $0 }
        }
    }

    /// What is wrong with one version's stored object, or nil.
    private static func problem(with version: RecordVersion, patient: AccountAddress, blobs: any BlobStore) async -> String? {
        do {
            let object = try await blobs.check(version.content)
            if object.owner != patient {
                return "version \(version.number): the stored object \(version.content) was sealed for another patient"
            }
            return nil
        } catch BlobStoreError.notFound {
            return "version \(version.number): the content \(version.content) is missing from the store"
        } catch let error as BlobStoreError {
            return "version \(version.number): the content \(version.content) \(error.description)"
        } catch {
            return "version \(version.number): the content \(version.content) could not be checked (\(error))"
        }
    }
}
