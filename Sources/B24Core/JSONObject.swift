/// A JSON object that remembers the order its keys were added in.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// Keys in insertion order.
    public private(set) var keys: [String] = []
    private var storage: [String: JSON] = [:]

    /// An empty object.
    public init() {}

    /// An object from key-value pairs; a repeated key keeps its first position and last value.
    public init(_ pairs: [(String, JSON)]) {
        for (key, value) in pairs { self[key] = value }
    }

    /// An object from parallel lists of keys and values (as a parser reads them), its storage sized
    /// once; a repeated key keeps its first position and last value.
    init(keys: [String], values: [JSON]) {
        var storage = [String: JSON](minimumCapacity: keys.count)
        var repeated = false
        for (key, value) in zip(keys, values) where storage.updateValue(value, forKey: key) != nil {
            repeated = true
        }
        self.storage = storage
        if repeated {
            var seen = Set<String>(minimumCapacity: keys.count)
            self.keys = keys.filter { seen.insert($0).inserted }
        } else {
            self.keys = keys
        }
    }

    /// The value for `key`; assigning `nil` removes the key.
    public subscript(key: String) -> JSON? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    /// Number of members.
    public var count: Int { keys.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { keys.isEmpty }

    /// Values in key order.
    public var values: [JSON] { keys.compactMap { storage[$0] } }

    /// Iterates members in key order.
    public func makeIterator() -> Iterator {
        Iterator(keys: keys, storage: storage)
    }

    /// Members in key order.
    public struct Iterator: IteratorProtocol {
        let keys: [String]
        let storage: [String: JSON]
        var index = 0

        /// The next member, or `nil` after the last.
        public mutating func next() -> (key: String, value: JSON)? {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            let key = keys[index]
            return (key: key, value: storage[key] ?? .null)
        }
    }

    /// Equal when the same keys map to the same values (order is not compared).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.storage == rhs.storage
    }

    /// Hashes the members, independent of order.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal; keys keep their literal order.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements)
    }
}
