/// The OpenAPI 3.1 description of the HTTP API, served at `/openapi.json`.
///
/// Kept in the binary (not a bundle resource) so a copied `medledger` executable still serves it.
/// Every route added to the router must be described here; a test checks the documented paths.
enum OpenAPIDocument {
    static let json = #"""
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
        "summary": "The latest signed checkpoint (C2SP tlog-checkpoint signed note).",
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
        "summary": "Submit one signed transaction; answers once it is durable.",
        "requestBody": {
          "required": true,
          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Envelope"}}}
        },
        "responses": {
          "201": {"description": "Sequenced and durable.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Receipt"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "409": {"$ref": "#/components/responses/Error"},
          "413": {"$ref": "#/components/responses/Error"},
          "422": {"$ref": "#/components/responses/Error"},
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
          "payload": {"type": "string", "description": "Standard base64 of the payload JSON: {type, signer, nonce, expires, body}."},
          "signatures": {
            "type": "array", "minItems": 1, "maxItems": 1,
            "items": {
              "type": "object", "required": ["sig"],
              "properties": {
                "keyid": {"type": "string", "description": "The signer's account address."},
                "sig": {"type": "string", "description": "Standard base64 of the 64-byte r||s signature."}
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
          "checkpoint": {"type": "string", "description": "The signed checkpoint that includes the entry."}
        }
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
      "Error": {"description": "A refusal, in plain words.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    }
  }
}
"""#
}
