extension Array where Element == Double {
    /// The p-th percentile of sorted values (nearest rank).
    public func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        let rank = Int((p / 100 * Double(count)).rounded(.up)) - 1
        return self[Swift.min(Swift.max(rank, 0), count - 1)]
    }

    /// The middle value (the mean of the two middle ones for an even count); 0 when empty.
    public var median: Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
    }
}
