import MedLedgerCore

/// The OpenAPI 3.1 description of the HTTP API, served at `/openapi.json`.
///
/// Kept in the binary (not a bundle resource) so a copied `medledger` executable still serves it.
/// Every route added to the router must be described here; a test checks the documented paths.
enum OpenAPIDocument {
    /// The document with the contracts' action types, roles and event statuses filled in.
    static let json: String = {
        func list(_ values: [String]) -> String { "[" + values.map { "\"\($0)\"" }.joined(separator: ", ") + "]" }
        return template
            .replacingOccurrences(of: "__ACTION_TYPES__", with: list(ContractEngine.actions.map { $0.transactionType }))
            .replacingOccurrences(of: "__READ_TYPES__", with: list(ContractEngine.readTypes.sorted()))
            .replacingOccurrences(of: "__ROLES__", with: list(Role.allCases.map(\.rawValue)))
            .replacingOccurrences(of: "__EVENT_STATUSES__", with: list(EventStatus.allCases.map(\.rawValue)))
    }()

    private static let template = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "MedLedger",
    "version": "0.1.0",
    "description": "Patient-controlled medical records on a verifiable ledger. Writes are DSSE envelopes signed by the acting user's P-256 key; the log is an RFC 6962 Merkle tree published as C2SP checkpoints and tiles."
  },
  "paths": {
    "/checkpoint": {
      "get": {
        "summary": "The latest signed checkpoint (C2SP tlog-checkpoint signed note); when the node has witnesses, the newest checkpoint a quorum of them cosigned, with their cosignature lines.",
        "responses": {
          "200": {"description": "The checkpoint note.", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/checkpoint/latest": {
      "get": {
        "summary": "The log's latest signed checkpoint, whether or not witnesses have cosigned it yet.",
        "responses": {
          "200": {"description": "The checkpoint note.", "content": {"text/plain": {"schema": {"type": "string"}}}},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/log-key": {
      "get": {
        "summary": "The log's verifier key, <origin>+<hex key ID>+<base64(0x01 || Ed25519 public key)>.",
        "responses": {"200": {"description": "The verifier key.", "content": {"text/plain": {"schema": {"type": "string"}}}}}
      }
    },
    "/tile/{path}": {
      "get": {
        "summary": "A C2SP tlog-tiles hash tile (<L>/<N>[.p/<W>]) or entry bundle (entries/<N>[.p/<W>]).",
        "parameters": [
          {"name": "path", "in": "path", "required": true, "description": "The tile path below /tile/, e.g. 0/x001/234 or entries/005.p/7.", "schema": {"type": "string"}}
        ],
        "responses": {
          "200": {"description": "Tile bytes: 32-byte hashes, or entries each prefixed by a 16-bit big-endian length.", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "404": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/transactions": {
      "post": {
        "summary": "Submit one signed transaction (any action type); answers once it is durable.",
        "description": "The payload's type is one of ActionType (or ledger.ping, which only the node's service key may sign: 403 operator_only otherwise; audit.tally likewise is recorded only by the node, and the contracts deny it from anyone else). The contracts decide; an allowed action answers 201, a denied one 403 — both are on the ledger with their audit event. Read types may be sent here too, but only /v1/queries returns what they read.",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}
        },
        "responses": {
          "201": {"description": "Sequenced and durable; the contracts allowed it.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
          "403": {"description": "Sequenced and durable, but the contracts denied it; the audit event says why.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Denied"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/RateLimited"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/queries": {
      "post": {
        "summary": "Run one signed read action and return what it reads.",
        "description": "The payload's type must be a read (ReadType). The read is verified, sequenced and audited like any transaction before anything is returned, so every read of health data is on the ledger. Record reads return the decrypted content (base64).",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}
        },
        "responses": {
          "200": {"description": "Allowed; the read's receipt and its result.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/QueryResponse"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "403": {"description": "Denied; recorded on the ledger with its reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Denied"}}}},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/RateLimited"},
          "500": {"$ref": "#/components/responses/Error"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/blobs": {
      "post": {
        "summary": "Stream a file into the content store, encrypted under a patient's key; returns the ciphertext's CID (as `ipfs add --cid-version=1 --raw-leaves` computes it).",
        "description": "Signed with the caller's account key: Authorization: MedLedger key=\"<base64url point>\", time=\"<ms>\", sig=\"<base64url r||s>\" over medledger-request-v1\\n<METHOD>\\n<path?query>\\n<time>\\n<hex SHA-256 of body>. Content-Type must be one of the accepted types and match the file's first bytes. Refused before anything is stored: 401 (signature), 413 (declared length over the limit), 415 (type). Reference the CID in a following transaction.",
        "parameters": [
          {"name": "owner", "in": "query", "required": true, "description": "Address of the patient whose key encrypts the content.", "schema": {"type": "string", "pattern": "^ml[0-9a-f]{40}$"}},
          {"name": "name", "in": "query", "required": false, "description": "The file's name, stored encrypted with it (sanitised).", "schema": {"type": "string", "maxLength": 1000}}
        ],
        "requestBody": {"required": true, "content": {
          "application/pdf": {"schema": {"type": "string", "format": "binary"}},
          "image/png": {"schema": {"type": "string", "format": "binary"}},
          "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
          "application/dicom": {"schema": {"type": "string", "format": "binary"}},
          "text/plain": {"schema": {"type": "string"}},
          "application/json": {"schema": {}}
        }},
        "responses": {
          "201": {"description": "Stored.", "content": {"application/json": {"schema": {"type": "object", "required": ["cid", "size", "storedSize", "mediaType"], "properties": {"cid": {"type": "string"}, "size": {"type": "integer"}, "storedSize": {"type": "integer"}, "mediaType": {"type": "string"}, "name": {"type": "string"}}}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "410": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "415": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/RateLimited"}
        }
      }
    },
    "/v1/proofs/inclusion": {
      "get": {
        "summary": "The inclusion proof (RFC 9162 audit path) of entry `index` in the tree of `size` entries.",
        "parameters": [
          {"name": "index", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 0}},
          {"name": "size", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}}
        ],
        "responses": {
          "200": {"description": "The proof: standard base64 hashes, nearest the leaf first.", "content": {"application/json": {"schema": {"type": "object", "required": ["index", "size", "proof"], "properties": {"index": {"type": "integer"}, "size": {"type": "integer"}, "proof": {"type": "array", "items": {"type": "string"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/proofs/consistency": {
      "get": {
        "summary": "The consistency proof (RFC 9162) that the tree of `from` entries is a prefix of the tree of `to` entries.",
        "parameters": [
          {"name": "from", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}},
          {"name": "to", "in": "query", "required": true, "schema": {"type": "integer", "minimum": 1}}
        ],
        "responses": {
          "200": {"description": "The proof: standard base64 hashes.", "content": {"application/json": {"schema": {"type": "object", "required": ["from", "to", "proof"], "properties": {"from": {"type": "integer"}, "to": {"type": "integer"}, "proof": {"type": "array", "items": {"type": "string"}}}}}}},
          "400": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/audit/tally": {
      "post": {
        "summary": "Run the tally check of a record (docs/AUDIT.md); the body is a signed audit.trail read of it, which the contracts decide and the ledger records first. For an auditor the node then records the result itself, in an audit.tally entry signed with its service key (counts and checkpoint size only); a failed check lets that auditor open the record until opensUntil. No client can record a result.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}},
        "responses": {
          "200": {"description": "The read's receipt, the tally report and its result; for an auditor also the receipt of the node-recorded audit.tally entry and, when the check failed, until when (Unix milliseconds) that auditor may open the record.", "content": {"application/json": {"schema": {"type": "object", "required": ["receipt", "tally", "result"], "properties": {"receipt": {"$ref": "#/components/schemas/Receipt"}, "tally": {"type": "object"}, "result": {"type": "string", "enum": ["tallies", "discrepancy"]}, "recorded": {"$ref": "#/components/schemas/Receipt"}, "opensUntil": {"type": "integer", "format": "int64"}}}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "403": {"description": "Denied (the read, or recording the result); recorded on the ledger with its reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Denied"}}}},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/RateLimited"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/v1/audit/bundle": {
      "post": {
        "summary": "The offline audit bundle of a record: its events, their entries and inclusion proofs, and the (cosigned) checkpoint. The body is a signed audit.trail read of the record.",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}},
        "responses": {
          "200": {"description": "The bundle file (docs/AUDIT.md).", "content": {"application/vnd.medledger.audit-bundle+json": {"schema": {"type": "object"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "403": {"description": "Denied; recorded on the ledger with its reason.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Denied"}}}},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
          "429": {"$ref": "#/components/responses/RateLimited"},
          "503": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/openapi.json": {
      "get": {
        "summary": "This document.",
        "responses": {"200": {"description": "The OpenAPI document.", "content": {"application/json": {"schema": {"type": "object"}}}}}
      }
    }
  },
  "components": {
    "schemas": {
      "Envelope": {
        "type": "object",
        "description": "A DSSE envelope. The signature is ECDSA P-256/SHA-256 (64-byte r||s) over DSSEv1 PAE(payloadType, payload).",
        "required": ["payloadType", "payload", "signatures"],
        "properties": {
          "payloadType": {"type": "string", "const": "application/vnd.medledger.tx+json"},
          "payload": {"type": "string", "description": "Standard base64 of the payload I-JSON: {origin, type, signer, nonce, expires, body}, origin being this ledger's checkpoint origin."},
          "signatures": {
            "type": "array", "minItems": 1, "maxItems": 1,
            "items": {
              "type": "object", "required": ["sig"],
              "properties": {
                "keyid": {"type": "string", "description": "The signer's account address."},
                "sig": {"type": "string", "description": "Standard base64 of the 64-byte r||s signature, s at most n/2 (low-S)."}
              }
            }
          }
        }
      },
      "Receipt": {
        "type": "object",
        "required": ["index", "leafHash", "treeSize", "time", "checkpoint"],
        "properties": {
          "index": {"type": "integer", "minimum": 0},
          "leafHash": {"type": "string", "description": "Standard base64 of SHA-256(0x00 || envelope)."},
          "treeSize": {"type": "integer", "minimum": 1},
          "time": {"type": "integer", "description": "The block's time, Unix milliseconds."},
          "checkpoint": {"type": "string", "description": "The signed checkpoint that includes the entry."},
          "event": {"$ref": "#/components/schemas/AuditEvent"}
        }
      },
      "Denied": {
        "type": "object",
        "required": ["error", "receipt"],
        "properties": {
          "error": {"type": "object", "required": ["code", "message"], "properties": {"code": {"const": "denied"}, "message": {"type": "string"}}},
          "receipt": {"$ref": "#/components/schemas/Receipt"}
        }
      },
      "QueryResponse": {
        "type": "object",
        "required": ["receipt", "result"],
        "properties": {
          "receipt": {"$ref": "#/components/schemas/Receipt"},
          "result": {
            "type": "object",
            "required": ["kind"],
            "description": "kind names the member present: record (with version and base64 content), records, appointments, grants, accessRequests, accounts, organizations, patient, profile (account with base64 content), document (a side document's kind with base64 content), events, directory (verified professionals found by directory.search), hospitalPatients (hospital.patients), names (patient and name pairs a profile.names read may show) or page (a page.view: reads, one {result} or {refused} per read, in the order of its body).",
            "properties": {
              "kind": {"enum": ["record", "records", "appointments", "grants", "accessRequests", "accounts", "organizations", "patient", "profile", "document", "events", "directory", "hospitalPatients", "names", "page", "none"]},
              "content": {"type": "string", "description": "Standard base64 of the decrypted record, profile or side-document content."},
              "document": {"enum": ["symptoms", "reason", "justification", "note"], "description": "For a side document (document.view): which kind it is (docs/CONTRACTS.md, Side documents)."},
              "disclosure": {"enum": ["full", "identity", "scheduling"], "description": "For a profile: which fields the reader was shown (docs/CONTRACTS.md, Profiles: minimum necessary)."},
              "events": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEvent"}},
              "reads": {"type": "array", "description": "For a page view: each read's result (an object shaped like this one) or the reason its rule refused it.", "items": {"type": "object", "properties": {"result": {"type": "object"}, "refused": {"type": "string"}, "contentError": {"type": "string"}}}}
            }
          }
        }
      },
      "AuditEvent": {
        "type": "object",
        "description": "One per contract transaction; index is the transaction's entry index and time its block's time.",
        "required": ["index", "time", "action", "status", "outcome", "message", "actor", "breakGlass"],
        "properties": {
          "index": {"type": "integer", "minimum": 0},
          "time": {"type": "integer"},
          "action": {"type": "string"},
          "status": {"enum": __EVENT_STATUSES__},
          "outcome": {"enum": ["allowed", "denied"]},
          "message": {"type": "string"},
          "actor": {"type": "string"},
          "actorRole": {"enum": __ROLES__},
          "patient": {"type": "string"},
          "doctor": {"type": "string"},
          "auditor": {"type": "string"},
          "record": {"type": "string"},
          "otherPatients": {"type": "array", "items": {"type": "string"}, "description": "A page view's further patients (present only when it named several)."},
          "otherRecords": {"type": "array", "items": {"type": "string"}, "description": "A page view's further records (present only when it named several)."},
          "version": {"type": "integer"},
          "breakGlass": {"type": "boolean"}
        }
      },
      "ActionType": {
        "description": "Every action the contracts decide; each is a payload type with its own body (see docs/CONTRACTS.md).",
        "enum": __ACTION_TYPES__
      },
      "ReadType": {
        "description": "The action types /v1/queries accepts.",
        "enum": __READ_TYPES__
      },
      "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
          "error": {
            "type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}}
          }
        }
      }
    },
    "responses": {
      "Error": {"description": "A refusal, in plain words.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
      "RateLimited": {
        "description": "Over the signing key's rate limit (code rate_limited); nothing was recorded or stored. Retry after the given number of seconds.",
        "headers": {"Retry-After": {"description": "Whole seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
      }
    }
  }
}
"""#
}
