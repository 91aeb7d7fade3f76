/// A channel between two tasks that holds at most `capacity` elements: `send` waits while it is
/// full, so a fast producer cannot run ahead of a slow consumer and memory stays bounded.
actor BoundedChannel<Element: Sendable> {
    private let capacity: Int
    private var buffer: [Element] = []
    private var finished = false
    private var failure: (any Error)?
    private var receivers: [CheckedContinuation<Element?, any Error>] = []
    private var senders: [CheckedContinuation<Void, Never>] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Hands `element` to the consumer, waiting while the channel is full.
    func send(_ element: Element) async {
        while buffer.count >= capacity, !finished {
            await withCheckedContinuation { senders.append($0) }
        }
        guard !finished else { return }
        if !receivers.isEmpty {
            receivers.removeFirst().resume(returning: element)
        } else {
            buffer.append(element)
        }
    }

    /// The next element, `nil` once the producer finished and everything was taken.
    func receive() async throws -> Element? {
        if !buffer.isEmpty {
            let element = buffer.removeFirst()
            if !senders.isEmpty { senders.removeFirst().resume() }
            return element
        }
        if let failure { throw failure }
        if finished { return nil }
        return try await withCheckedThrowingContinuation { receivers.append($0) }
    }

    /// No more elements will come; `error` (if any) is thrown to the consumer after the buffer drains.
    func finish(throwing error: (any Error)? = nil) {
        finished = true
        failure = failure ?? error
        for receiver in receivers {
            if let failure { receiver.resume(throwing: failure) } else { receiver.resume(returning: nil) }
        }
        receivers.removeAll()
        for sender in senders { sender.resume() }
        senders.removeAll()
    }
}
