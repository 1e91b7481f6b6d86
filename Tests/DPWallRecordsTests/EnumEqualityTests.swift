import DPWallRecords
import Testing

/// The hand-written `==` of fieldless enums (a case-number comparison) must agree with comparing raw values.
@Suite struct EnumEqualityTests {
    @Test func tensorDatatypes() {
        for a in TensorDatatype.allCases {
            for b in TensorDatatype.allCases {
                #expect((a == b) == (a.rawValue == b.rawValue), "\(a) vs \(b)")
            }
        }
    }

    @Test func datatypeWireNamesAreTheRawValues() {
        for datatype in TensorDatatype.allCases {
            #expect(datatype.wireName.description == datatype.rawValue)
        }
    }

    @Test func sidesAndFormats() {
        // The reference is pattern matching, which does not use `==`.
        func same(_ a: BodySide, _ b: BodySide) -> Bool {
            switch (a, b) {
            case (.request, .request), (.response, .response): true
            default: false
            }
        }
        func same(_ a: WireFormat, _ b: WireFormat) -> Bool {
            switch (a, b) {
            case (.v2, .v2), (.tfserving, .tfserving): true
            default: false
            }
        }
        let sides: [BodySide] = [.request, .response]
        for a in sides {
            for b in sides { #expect((a == b) == same(a, b)) }
        }
        let formats: [WireFormat] = [.v2, .tfserving]
        for a in formats {
            for b in formats { #expect((a == b) == same(a, b)) }
        }
    }

    @Test func jsonKinds() {
        let kinds: [JSONKind] = [.object, .array, .string, .number, .true, .false, .null]
        #expect(Set(kinds.map(\.rawValue)).count == kinds.count)
        for a in kinds {
            for b in kinds {
                #expect((a == b) == (a.rawValue == b.rawValue), "\(a) vs \(b)")
            }
        }
    }
}
