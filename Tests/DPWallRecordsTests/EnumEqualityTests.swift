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
        let sides: [BodySide] = [.request, .response]
        for a in sides {
            for b in sides { #expect((a == b) == (a.name == b.name)) }
        }
        let formats: [WireFormat] = [.v2, .tfserving]
        for a in formats {
            for b in formats { #expect((a == b) == ("\(a)" == "\(b)")) }
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
