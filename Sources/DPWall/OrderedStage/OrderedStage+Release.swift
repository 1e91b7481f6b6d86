import DPWallPrivacy
import DPWallRecords
import DPWallStore

/// Writing what a decision releases: the privacy annotation or the denial line, held until the group commits,
/// then handed over.
extension OrderedStage {
    /// Hands the held output and rejects to `write`, then empties them.
    func releaseHeld(_ write: (WriterBuffer, WriterBuffer) throws -> Void) rethrows {
        defer {
            held.removeAll()
            heldRejects.removeAll()
            heldSince = nil
        }
        try write(held.bytes, heldRejects.bytes)
    }

    /// `,"privacy":{…}}` (the members at `range` of ``privacyTexts``) and the newline, or just `}` and the
    /// newline with `--no-annotate`.
    func writeTail(_ range: Range<Int>, dryRun: RecordError?) {
        if annotate {
            held.append(raw: ",\"privacy\":{")
            turn.privacyTexts.bytes.withUnsafeBytes { held.append(raw: UnsafeRawBufferPointer(rebasing: $0[range])) }
            held.appendByte(UInt8(ascii: "}"))
            if let dryRun { writeDryRun(dryRun) }
        }
        held.append(raw: "}\n")
    }

    /// `,"dry_run":{"code":…,"status":…,"message":…}`: what `--limits-dry-run` let through.
    func writeDryRun(_ problem: RecordError) {
        held.append(raw: ",\"dry_run\":{")
        RecordProcessor.writeProblem(problem, &held)
        held.appendByte(UInt8(ascii: "}"))
    }

    /// `"epsilon":…,"delta":…,"spent":{…},"limit":{…}`.
    static func writePrivacy(
        cost: (epsilon: Double, delta: Double), _ position: Position, into out: inout JSONWriter
    ) {
        func pair(_ epsilon: Double, _ delta: Double) {
            out.append(raw: "\"epsilon\":")
            out.append(epsilon)
            out.append(raw: ",\"delta\":")
            out.append(delta)
        }
        pair(cost.epsilon, cost.delta)
        out.append(raw: ",\"spent\":{")
        pair(position.spentEpsilon, position.spentDelta)
        out.append(raw: "},\"limit\":{")
        pair(position.limitEpsilon, position.limitDelta)
        out.appendByte(UInt8(ascii: "}"))
    }

    func writeDenial(
        _ charge: PendingCharge, _ pending: PendingCharges, _ problem: RecordError, output: UnsafeRawBufferPointer
    ) {
        pending.text.bytes.withUnsafeBytes { text in
            let envelope =
                charge.outputEnvelopeEnd.index != nil
                ? UnsafeRawBufferPointer(rebasing: output[charge.lineStart..<charge.outputEnvelopeEnd.index!])
                : UnsafeRawBufferPointer(rebasing: text[charge.textStart..<charge.envelopeEnd])
            held.append(raw: envelope)
            if envelope.count > 1 { held.appendByte(UInt8(ascii: ",")) }
            held.append(raw: "\"error\":{")
            RecordProcessor.writeProblem(problem, &held)
            held.append(raw: "}}\n")
            if charge.textEnd > charge.envelopeEnd {
                heldRejects.append(
                    raw: UnsafeRawBufferPointer(rebasing: text[charge.envelopeEnd..<charge.rejectsSplit]))
                RecordProcessor.writeProblem(problem, &heldRejects)
                heldRejects.append(raw: UnsafeRawBufferPointer(rebasing: text[charge.rejectsSplit..<charge.textEnd]))
            }
        }
    }
}
