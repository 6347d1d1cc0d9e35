/// What one read of a page view (``PageView``) gave: the answer its own action returns, or the
/// reason its rule refused it. A refused read changes nothing; the page shows the reason.
public enum PageReadAnswer: Codable, Sendable, Equatable {
    case answered(QueryAnswer)
    /// The reason the read's rule gave (``ContractDenial/reason``).
    case refused(String)

    /// The answer, when the read was allowed.
    public var answer: QueryAnswer? {
        if case .answered(let answer) = self { return answer }
        return nil
    }
}
