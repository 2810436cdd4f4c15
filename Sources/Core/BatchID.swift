/// Batch ids and party names: what the spool accepts as a folder or file name.
public enum BatchID {
    /// 1 to 128 of `A-Z a-z 0-9 . _ -`, not starting with `.`.
    public static func isValid(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...128).contains(bytes.count), bytes[0] != UInt8(ascii: ".") else { return false }
        return bytes.allSatisfy(isNameByte)
    }

    /// A party name: 1 to 64 of `A-Z a-z 0-9 _ -`, starting with a letter or digit.
    public static func isValidPartyName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count), bytes[0] != UInt8(ascii: "-"), bytes[0] != UInt8(ascii: "_") else {
            return false
        }
        return bytes.allSatisfy { isNameByte($0) && $0 != UInt8(ascii: ".") }
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2E || b == 0x5F
            || b == 0x2D
    }
}
