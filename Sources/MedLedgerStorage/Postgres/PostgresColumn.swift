import NIOCore
import PostgresNIO

/// One column of a block's rows, bound as a one-dimensional PostgreSQL array in binary form and
/// encoded once, in a single pass, when the block's rows are prepared.
///
/// postgres-nio encodes an array element by element through its generic protocol, which for the
/// thousands of values of one block cost more than PostgreSQL's own work on them; this writes the
/// wire format directly (header, then a length and the bytes of each element, NULL as length −1).
struct PostgresColumn: PostgresDynamicTypeEncodable, Sendable {
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }
    let bytes: ByteBuffer
    let count: Int

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeImmutableBuffer(bytes)
    }

    /// A `bigint[]`.
    static func int64(_ values: [Int64]) -> PostgresColumn {
        column(.int8Array, element: .int8, count: values.count, payload: values.count * 8) { buffer in
            for value in values {
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(value)
            }
        }
    }

    /// A `bigint[]`; nil elements are NULL.
    static func optionalInt64(_ values: [Int64?]) -> PostgresColumn {
        column(.int8Array, element: .int8, count: values.count, payload: values.count * 8) { buffer in
            for value in values {
                guard let value else {
                    buffer.writeInteger(Int32(-1))
                    continue
                }
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(value)
            }
        }
    }

    /// A `boolean[]`.
    static func bool(_ values: [Bool]) -> PostgresColumn {
        column(.boolArray, element: .bool, count: values.count, payload: values.count) { buffer in
            for value in values {
                buffer.writeInteger(Int32(1))
                buffer.writeInteger(UInt8(value ? 1 : 0))
            }
        }
    }

    /// A `bytea[]`.
    static func bytes(_ values: [[UInt8]]) -> PostgresColumn {
        column(.byteaArray, element: .bytea, count: values.count, payload: values.reduce(0) { $0 + $1.count }) { buffer in
            for value in values {
                buffer.writeInteger(Int32(value.count))
                buffer.writeBytes(value)
            }
        }
    }

    /// A `text[]`; nil elements are NULL.
    static func text(_ values: [String?]) -> PostgresColumn {
        column(.textArray, element: .text, count: values.count, payload: values.reduce(0) { $0 + ($1?.utf8.count ?? 0) }) { buffer in
            for value in values {
                guard let value else {
                    buffer.writeInteger(Int32(-1))
                    continue
                }
                buffer.writeInteger(Int32(value.utf8.count))
                buffer.writeString(value)
            }
        }
    }

    private static func column(
        _ type: PostgresDataType, element: PostgresDataType, count: Int, payload: Int, _ write: (inout ByteBuffer) -> Void
    ) -> PostgresColumn {
        var buffer = ByteBufferAllocator().buffer(capacity: 20 + count * 4 + payload)
        buffer.writeInteger(Int32(count == 0 ? 0 : 1))  // dimensions
        buffer.writeInteger(Int32(0))  // flags (NULLs are allowed either way)
        buffer.writeInteger(element.rawValue)
        if count > 0 {
            buffer.writeInteger(Int32(count))  // length of the one dimension
            buffer.writeInteger(Int32(1))  // its lower bound
        }
        write(&buffer)
        return PostgresColumn(psqlType: type, bytes: buffer, count: count)
    }
}
