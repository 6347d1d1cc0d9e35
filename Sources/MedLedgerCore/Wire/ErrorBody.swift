/// Every error answer of the API: `{"error": {"code": …, "message": …}}`, with a receipt when the
/// contracts denied an action (it is then on the ledger, and the receipt proves where).
public struct ErrorBody: Codable, Sendable, Equatable {
    public let error: ErrorDetail
    /// Present for `denied`: the denied action's receipt.
    public let receipt: SubmitResponse?

    public init(error: ErrorDetail, receipt: SubmitResponse? = nil) {
        self.error = error
        self.receipt = receipt
    }

    /// The answer to an action the contracts denied, carrying the contracts' reason.
    public static func denied(_ receipt: SubmitResponse) -> ErrorBody {
        ErrorBody(error: ErrorDetail(code: "denied", message: receipt.event?.message ?? "The contracts denied this action."), receipt: receipt)
    }
}

/// The `error` member of every error body: a stable machine code and a sentence for people.
public struct ErrorDetail: Codable, Sendable, Equatable {
    public let code: String
    public let message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }
}
