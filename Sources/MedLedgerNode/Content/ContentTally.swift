import MedLedgerCore

/// The content store's part of an auditor's tally check: every version a record's state names
/// must be stored, hash to its CID, and be sealed for the record's patient.
public enum ContentTally {
    /// One plain sentence per problem; empty when every version's content is intact.
    public static func discrepancies(record: MedicalRecord, blobs: any BlobStore) async -> [String] {
        var found: [String] = []
        for version in record.versions {
            do {
                let object = try await blobs.check(version.content)
                if object.owner != record.patient {
                    found.append("version \(version.number): the stored object \(version.content) was sealed for another patient")
                }
            } catch BlobStoreError.notFound {
                found.append("version \(version.number): the content \(version.content) is missing from the store")
            } catch let error as BlobStoreError {
                found.append("version \(version.number): the content \(version.content) \(error.description)")
            } catch {
                found.append("version \(version.number): the content \(version.content) could not be checked (\(error))")
            }
        }
        return found
    }
}
