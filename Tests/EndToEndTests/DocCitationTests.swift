import Foundation
import Testing

/// Code and tests cite the docs as `docs/X.md, "Heading"` (or `X.md, "Heading"` for a page of docs/): every such
/// citation must name a heading that exists, so that a reader who follows one lands somewhere (issue 22 counted
/// 12 that did not). A citation may name a heading's beginning ("One release" for "One release, step by step").
@Suite("Citations of the docs")
struct DocCitationTests {
    /// The headings of each page of docs/, without their `#`s and backticks.
    static func headings() throws -> [String: [String]] {
        let docs = DPWall.packageRoot.appendingPathComponent("docs")
        var pages: [String: [String]] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: docs.path) where name.hasSuffix(".md") {
            let text = try String(contentsOf: docs.appendingPathComponent(name), encoding: .utf8)
            pages[name] = text.split(separator: "\n").filter { $0.hasPrefix("#") }.map {
                $0.drop { $0 == "#" || $0 == " " }.replacingOccurrences(of: "`", with: "")
            }
        }
        return pages
    }

    @Test("every docs heading cited in Sources and Tests exists")
    func citationsResolve() throws {
        let pages = try Self.headings()
        #expect(pages["privacy.md"]?.contains("Budgets and the ledger") == true, "the headings were not read")
        var cited = 0
        var broken: [String] = []
        for folder in ["Sources", "Tests"] {
            let root = DPWall.packageRoot.appendingPathComponent(folder)
            let files = FileManager.default.enumerator(atPath: root.path)?.compactMap { $0 as? String } ?? []
            for file in files where file.hasSuffix(".swift") {
                let raw = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
                // A citation can run over a comment's line break: join the lines first.
                let text = raw.replacing(#/\n\s*//[/]?\s*/#, with: " ")
                for match in text.matches(of: #/(?:docs/)?([a-z-]+\.md),? \\?"([^"\\]{3,80})\\?"/#) {
                    let page = String(match.output.1)
                    let heading = String(match.output.2)
                    guard let headings = pages[page] else { continue }
                    cited += 1
                    if !headings.contains(where: { $0.hasPrefix(heading) || $0.contains(heading) }) {
                        broken.append("\(folder)/\(file): \(page), \"\(heading)\"")
                    }
                }
            }
        }
        #expect(cited > 20, "only \(cited) citations found: the pattern no longer matches how code cites the docs")
        #expect(broken.isEmpty, "\(broken)")
    }
}
