import Foundation
import Store

/// The rules of a PostgreSQL job store's location (`--db`/`VFL_DB`): a libpq URI, with the password kept out of it.
public enum PostgresURL {
    /// Whether `location` names a PostgreSQL database rather than a SQLite file.
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Checks a URL: `postgres://user@host:port/db?sslmode=...` (or with `host=/socket/folder` as a parameter).
    /// A password in it is refused, because the URL is written in logs, process lists and events: it belongs in
    /// `PGPASSWORD` or the file named by `VFL_DB_PASSWORD_FILE`.
    ///
    /// - Throws: ``StoreError`` naming what is wrong (never the password).
    public static func check(_ url: String) throws {
        guard isPostgres(url) else { throw StoreError(.server, "a PostgreSQL URL starts with postgres://") }
        let rest = url.drop { $0 != "/" }.dropFirst(2)
        // libpq reads the user information up to the first "/" (a "?" in a password included).
        let authority = rest.prefix { $0 != "/" }
        if let at = authority.lastIndex(of: "@"), authority[..<at].contains(":") {
            throw StoreError(
                .server,
                "the database URL holds a password: remove it, and put it in PGPASSWORD or in a file named by "
                    + "VFL_DB_PASSWORD_FILE")
        }
        let query = rest.drop { $0 != "?" }.dropFirst()
        // libpq decodes the keys: `%70assword=` is a password too.
        let keys = query.split(separator: "&").map { parameter in
            let key = parameter.prefix { $0 != "=" }
            return (String(key).removingPercentEncoding ?? String(key)).lowercased()
        }
        for key in keys where key == "password" {
            throw StoreError(
                .server,
                "the database URL holds a password parameter: remove it, and put it in PGPASSWORD or in a file "
                    + "named by VFL_DB_PASSWORD_FILE")
        }
    }
}
