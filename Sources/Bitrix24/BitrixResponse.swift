import B24Core

/// The `time` object of an answer: when the portal ran the call, and the method's operating time.
public struct ResponseTime: Sendable, Equatable {
    /// Unix start time (fractional).
    public var start: Double?
    /// Unix finish time.
    public var finish: Double?
    /// Seconds the call took on the portal.
    public var duration: Double?
    /// The portal's local start time with its offset, e.g. `2024-06-13T18:23:54+02:00`.
    public var dateStart: String?
    /// Operating seconds this method used in the last 10 minutes (cloud only).
    public var operating: Double?
    /// Unix time the oldest operating bucket expires (cloud only).
    public var operatingResetAt: Double?

    /// Reads a `time` object; missing fields stay `nil`.
    init?(_ json: JSON?) {
        guard let json, json.objectValue != nil else { return nil }
        start = json["start"]?.lenientDouble
        finish = json["finish"]?.lenientDouble
        duration = json["duration"]?.lenientDouble
        dateStart = json["date_start"]?.stringValue
        operating = json["operating"]?.lenientDouble
        operatingResetAt = json["operating_reset_at"]?.lenientDouble
    }
}

/// A successful answer: `result`, and `total`/`next` when the method pages.
public struct BitrixResponse: Sendable {
    /// The `result` member.
    public var result: JSON
    /// `total`, when present.
    public var total: Int?
    /// `next`, when present: the `start` of the following page.
    public var next: Int?
    /// The `time` object.
    public var time: ResponseTime?

    /// Creates a response.
    public init(result: JSON, total: Int? = nil, next: Int? = nil, time: ResponseTime? = nil) {
        self.result = result
        self.total = total
        self.next = next
        self.time = time
    }

    /// Splits an HTTP answer into a response or a typed error (HTTP status, Bitrix code, retryability).
    public static func decode(
        status: Int, body: [UInt8], method: String, portal: String
    ) -> Result<BitrixResponse, BitrixError> {
        let json: JSON
        do {
            json = try JSON.parse(body)
        } catch {
            let detail =
                error.isTruncated
                ? "the answer was cut short (\(body.count) bytes)" : "the answer is not JSON (\(error))"
            var failure = BitrixError.fromAnswer(
                status: status, bitrixCode: nil, description: "HTTP \(status): \(detail)", method: method,
                portal: portal)
            if (200..<300).contains(status) { failure.code = .malformedResponse }
            return .failure(failure)
        }
        if let code = json["error"], json["result"] == nil || status >= 400 {
            var error = BitrixError.fromAnswer(
                status: status, bitrixCode: code.stringValue ?? code.lenientText,
                description: json["error_description"]?.stringValue, method: method, portal: portal)
            error.resetAt = ResponseTime(json["time"])?.operatingResetAt
            return .failure(error)
        }
        guard (200..<300).contains(status), let result = json["result"] else {
            return .failure(
                BitrixError.fromAnswer(
                    status: status, bitrixCode: nil, description: "HTTP \(status) without a result", method: method,
                    portal: portal))
        }
        return .success(
            BitrixResponse(
                result: result, total: json["total"]?.lenientInt.map { Int($0) },
                next: json["next"]?.lenientInt.map { Int($0) },
                time: ResponseTime(json["time"])))
    }
}
