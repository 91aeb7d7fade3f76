/// Transactions: all of the body's statements commit together, or none do.
extension Connection {
    /// Runs `body` inside `BEGIN … COMMIT`; a throw rolls everything back and is rethrown.
    ///
    /// If the rollback itself fails (the connection broke), the body's error is the one thrown.
    @discardableResult
    public func transaction<Result>(_ body: () throws -> Result) throws -> Result {
        try execute("BEGIN")
        let result: Result
        do {
            result = try body()
        } catch {
            if isOpen { _ = try? execute("ROLLBACK") }
            throw error
        }
        try execute("COMMIT")
        return result
    }
}
