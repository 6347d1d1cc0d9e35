import MedLedgerCore

/// Why the node refused a write's content before sequencing it. Nothing was recorded: the
/// transaction never reached the ledger, and the signer may upload the document and sign again.
public enum ContentAdmissionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The named content is not in the store (never uploaded, or collected).
    case missing(field: String)
    /// The object was sealed for another account than the one the transaction needs.
    case wrongOwner(field: String)
    /// The object was uploaded by another account than the signer.
    case notUploadedBySigner(field: String)
    /// The owner's content was erased.
    case erased(field: String)
    /// The content store could not be read; nothing was recorded, and the write may be retried.
    case unavailable
    /// A patient's profile document breaks the profile's rules (``PatientProfile``).
    case invalidProfile(PatientProfileError)

    /// The API's error code.
    public var code: String {
        switch self {
        case .missing: "content_missing"
        case .wrongOwner: "content_owner_mismatch"
        case .notUploadedBySigner: "content_not_uploaded_by_signer"
        case .erased: "erased"
        case .unavailable: "content_store_unavailable"
        case .invalidProfile: "invalid_profile"
        }
    }

    public var description: String {
        switch self {
        case .missing(let field):
            "\(field) names content that is not in the store; upload the document, then sign again."
        case .wrongOwner(let field):
            "\(field) names content that was not encrypted for this patient; upload the document for them, then sign again."
        case .notUploadedBySigner(let field):
            "\(field) names content this account did not upload; a transaction may name only documents its signer uploaded."
        case .erased(let field):
            "\(field) names content of a patient whose records were erased."
        case .unavailable:
            "The content store could not be read; nothing was recorded. Please try again."
        case .invalidProfile(let error):
            "The profile was not saved: \(error.description)."
        }
    }
}

extension LedgerNode {
    /// The store's part of the content rule (``ContentClaim``): each new document a write names
    /// must be stored, sealed for the account the contracts expect, and uploaded by the account
    /// the write acts for. Content that the state already names, and every write of an account
    /// that is not active or whose role may never sign this action (``AuthorizationMatrix``), are
    /// left to the contracts, which deny them and put the
    /// attempt on the ledger. A node without a content store checks nothing.
    ///
    /// A patient's profile document (`patient.register`, a patient's `invitation.accept`, a
    /// patient's `profile.update`) is also
    /// read and checked against ``PatientProfile``: the node is the one place that sees it in the
    /// clear besides the browser, so a document the page's own checks were bypassed for is refused
    /// here, before anything is recorded.
    func admitContent(of transaction: VerifiedTransaction) async throws {
        guard let blobs, let action = transaction.body as? any ContractAction else { return }
        let signer = transaction.signer
        let now = clock()
        let (actor, claims, patientProfile) = await sequencer.read { state -> (AccountAddress, [ContentClaim], Bool) in
            let actor = state.sessions[signer]?.account ?? signer
            let patientProfile = action is RegisterPatient || (action as? AcceptInvitation)?.role == .patient
                || (action is UpdateProfile && state.accounts[actor]?.role == .patient)
            // Where the contracts are sure to deny, they decide, so the attempt is on the ledger:
            // a role the action's row never allows, or content the signer could not have stored
            // for its owner (the upload rule follows the writes' rules, so such a write is denied).
            if let role = state.accounts[actor]?.role, !AuthorizationMatrix.permits(role, transaction.type) { return (actor, [], false) }
            let claims = action.contentClaims(in: state, actor: actor).filter { claim in
                !state.isContentInUse(claim.cid) && state.uploadDenial(uploader: actor, owner: claim.owner, at: now) == nil
            }
            return (actor, claims, patientProfile)
        }
        for claim in claims {
            let provenance: ContentProvenance
            do {
                provenance = try await blobs.provenance(claim.cid)
            } catch BlobStoreError.notFound, BlobStoreError.invalidCID {
                throw ContentAdmissionError.missing(field: claim.field)
            } catch BlobStoreError.erased {
                throw ContentAdmissionError.erased(field: claim.field)
            } catch BlobStoreError.integrity {
                throw ContentAdmissionError.wrongOwner(field: claim.field)
            } catch {
                throw ContentAdmissionError.unavailable
            }
            guard provenance.owner == claim.owner else { throw ContentAdmissionError.wrongOwner(field: claim.field) }
            guard let uploader = provenance.uploader, uploader == actor || uploader == claim.alsoUploadedBy else {
                throw ContentAdmissionError.notUploadedBySigner(field: claim.field)
            }
            if patientProfile, claim.field == "profile" { try await checkPatientProfile(claim, in: blobs) }
        }
    }

    private func checkPatientProfile(_ claim: ContentClaim, in blobs: any BlobStore) async throws {
        let document: [UInt8]
        do {
            document = try await blobs.get(claim.cid, owner: claim.owner, limit: Int64(PatientProfile.maxDocumentBytes))
        } catch BlobStoreError.tooLarge {
            throw ContentAdmissionError.invalidProfile(PatientProfileError("the profile is larger than \(PatientProfile.maxDocumentBytes / 1024) KiB"))
        } catch BlobStoreError.erased {
            throw ContentAdmissionError.erased(field: claim.field)
        } catch BlobStoreError.integrity {
            throw ContentAdmissionError.wrongOwner(field: claim.field)
        } catch {
            throw ContentAdmissionError.unavailable
        }
        do throws(PatientProfileError) {
            try PatientProfile.validate(document)
        } catch {
            throw ContentAdmissionError.invalidProfile(error)
        }
    }

    /// Whether `uploader` may store content sealed for `owner` now (``ContractState/uploadDenial(uploader:owner:at:)``).
    public func uploadDenial(uploader: AccountAddress, owner: AccountAddress) async -> ContractDenial? {
        let now = clock()
        return await sequencer.read { $0.uploadDenial(uploader: uploader, owner: owner, at: now) }
    }
}
