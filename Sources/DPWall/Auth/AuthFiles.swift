import Foundation

/// The files an `auth` section names (a JWKS, an HMAC secret, a CA bundle), read when the filter starts; a
/// relative path is taken from the policy file's directory. Problems are policy errors (exit 78).
enum AuthFiles {
    /// The largest JWKS or CA file read.
    static let maxBytes = 4 << 20

    /// `path`, or `path` under `directory` when it is relative.
    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path
    }

    /// The text of the file at `path`; `key` names the policy key in messages.
    static func readText(_ path: String, key: String) throws(PolicyError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PolicyError(path: key, message: "\(path): cannot be read (missing, or no permission)")
        }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: maxBytes + 1) ?? Data()
        } catch {
            throw PolicyError(path: key, message: "\(path): \(error)")
        }
        guard data.count <= maxBytes else {
            throw PolicyError(path: key, message: "\(path): larger than \(maxBytes) bytes")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PolicyError(path: key, message: "\(path): not UTF-8 text")
        }
        return text
    }

    /// The secret in the file at `path`: at least `minimumBytes`, mode 0600, owned by this user.
    static func readSecret(_ path: String, key: String, minimumBytes: Int) throws(PolicyError) -> [UInt8] {
        do {
            return try SecretKeyFile.load(path, flag: key, sizes: minimumBytes...65_536)
        } catch {
            throw PolicyError(path: key, message: error.message)
        }
    }
}
