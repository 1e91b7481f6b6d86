import DPWallRecords

/// `trusted` mode: the clients a worker recently allowed to call a model, with their tier, so that most records
/// need neither the client's `String` nor the ``TierResolver``'s lookups.
///
/// Traffic interleaves a few clients, so remembering only the last one rarely matches. The cache has ``slots``
/// slots chosen by ``NameTable/shortNameHash(_:_:_:)`` of the client's raw bytes; a miss or a collision is resolved
/// by the caller through the tier resolver, and the result takes the slot. An entry is used only when its client
/// equals the record's byte for byte (after unescaping) and it was allowed for the same model. Refusals are never
/// kept, and memory is bounded by the slot count. One per worker: not shared between threads.
struct AllowedClients {
    /// A client allowed to call `model` (by identity), in tier `tierName`.
    private struct Entry {
        var client: String
        var model: ObjectIdentifier
        var tierName: String
    }

    static let slots = 64
    private var entries = [Entry?](repeating: nil, count: slots)

    /// The slot of the client string node `node`.
    func slot(_ view: JSONView, _ node: Int) -> Int {
        let entry = view.nodes[node]
        let count = Int(entry.end &- entry.start)
        guard count > 0 else { return 0 }
        // A string node's bytes are inside the parsed buffer, so its base address exists.
        let text = view.bytes.baseAddress.unsafelyUnwrapped + Int(entry.start)
        let last = text.load(fromByteOffset: count &- 1, as: UInt8.self)
        return NameTable.shortNameHash(count, text.load(as: UInt8.self), last) & (Self.slots - 1)
    }

    /// The client and tier kept in `slot` when they are the record's client (node `node`) allowed for `model`.
    func find(_ view: JSONView, _ node: Int, model: ModelRuntime, slot: Int) -> (client: String, tierName: String)? {
        guard let entry = entries[slot], entry.model == ObjectIdentifier(model), view.stringEquals(node, entry.client)
        else { return nil }
        return (entry.client, entry.tierName)
    }

    /// Keeps `client`, just allowed to call `model` in tier `tierName`, in `slot`.
    mutating func remember(_ client: String, model: ModelRuntime, tierName: String, slot: Int) {
        entries[slot] = Entry(client: client, model: ObjectIdentifier(model), tierName: tierName)
    }
}
