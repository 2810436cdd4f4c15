/// A request's header fields: names lowercased, in arrival order, a repeated field's values joined by `", "`.
///
/// An array, not a dictionary: a request has a handful of fields, so a scan is cheaper than hashing each name.
public struct HTTPHeaders: Sendable, ExpressibleByDictionaryLiteral, Sequence {
    private var fields: [(name: String, value: String)] = []

    /// No fields.
    public init() {}

    /// Fields from a literal (names are lowercased).
    public init(dictionaryLiteral elements: (String, String)...) {
        for (name, value) in elements { self[name] = value }
    }

    /// The value of field `name` (any case), or `nil`; setting `nil` removes it.
    public subscript(name: String) -> String? {
        get {
            let key = name.lowercased()
            return fields.first { $0.name == key }?.value
        }
        set {
            let key = name.lowercased()
            if let index = fields.firstIndex(where: { $0.name == key }) {
                if let newValue { fields[index].value = newValue } else { fields.remove(at: index) }
            } else if let newValue {
                fields.append((key, newValue))
            }
        }
    }

    /// The value of a field whose name is given lowercase (no case folding on the way).
    func value(lowercased name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Adds a field whose name is already lowercase, joining a repeated field's values (RFC 9110 5.3).
    mutating func add(lowercased name: String, _ value: String) {
        if let index = fields.firstIndex(where: { $0.name == name }) {
            fields[index].value += ", " + value
        } else {
            fields.append((name, value))
        }
    }

    /// The fields in arrival order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> { fields.makeIterator() }
}
