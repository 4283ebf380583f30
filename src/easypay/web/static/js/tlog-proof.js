// Re-checks an event's transparency-log proof in the browser, so the user need not take the
// server's word for it:
// 1. the checkpoint (a C2SP signed note) carries a valid Ed25519 signature of the log's key;
// 2. leaf hash = SHA-256(0x00 || leaf), node = SHA-256(0x01 || left || right), and the root
//    computed from the inclusion path (RFC 9162 §2.1.3.2) equals the signed checkpoint's root.
(function () {
  "use strict";

  var encoder = new TextEncoder();

  function fromHex(hex) {
    if (hex.length % 2 || /[^0-9a-f]/i.test(hex)) throw new Error("bad hex");
    var bytes = new Uint8Array(hex.length / 2);
    for (var i = 0; i < bytes.length; i++) {
      bytes[i] = parseInt(hex.substr(i * 2, 2), 16);
    }
    return bytes;
  }

  function toHex(bytes) {
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? "0" : "") + b.toString(16);
    }).join("");
  }

  function fromBase64(text) {
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function concat(prefix, parts) {
    var length = 1;
    parts.forEach(function (part) { length += part.length; });
    var out = new Uint8Array(length);
    out[0] = prefix;
    var offset = 1;
    parts.forEach(function (part) {
      out.set(part, offset);
      offset += part.length;
    });
    return out;
  }

  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (digest) {
      return new Uint8Array(digest);
    });
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  // The root from a leaf hash and its inclusion path, or null when the path cannot be right.
  function rootFrom(index, size, leafHash, path) {
    if (!(index >= 0 && index < size)) return Promise.resolve(null);
    var fn = index;
    var sn = size - 1;
    var step = Promise.resolve(leafHash);
    var broken = false;
    path.forEach(function (sibling) {
      step = step.then(function (r) {
        if (broken || sn === 0) {
          broken = true;
          return r;
        }
        var next;
        if (fn % 2 === 1 || fn === sn) {
          next = sha256(concat(1, [sibling, r]));
          if (fn % 2 === 0) {
            while (fn !== 0 && fn % 2 === 0) {
              fn = Math.floor(fn / 2);
              sn = Math.floor(sn / 2);
            }
          }
        } else {
          next = sha256(concat(1, [r, sibling]));
        }
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
        return next;
      });
    });
    return step.then(function (r) {
      return broken || sn !== 0 ? null : r;
    });
  }

  // The signed checkpoint read and its signature checked with the verifier key
  // ("<name>+<key id hex>+<base64(0x01 || key)>"). Resolves to {size, root, signed}, where
  // signed is true (valid), false (invalid or missing) or null (no Ed25519 in this browser).
  function openCheckpoint(note, vkey) {
    var parts = vkey.split("+");
    var name = parts[0];
    var keyId = parts[1];
    var raw = fromBase64(parts.slice(2).join("+"));
    var split = note.lastIndexOf("\n\n");
    if (split < 0 || raw.length !== 33 || raw[0] !== 1) throw new Error("bad note or key");
    var text = note.slice(0, split + 1);
    var lines = text.slice(0, -1).split("\n");
    if (lines.length < 3 || lines[0] !== name) throw new Error("another log");
    var head = { size: parseInt(lines[1], 10), root: fromBase64(lines[2]) };
    var signature = null;
    note.slice(split + 2).split("\n").forEach(function (line) {
      var prefix = "\u2014 " + name + " ";
      if (line.indexOf(prefix) === 0) {
        var blob = fromBase64(line.slice(prefix.length));
        if (toHex(blob.slice(0, 4)) === keyId) signature = blob.slice(4);
      }
    });
    if (signature === null) {
      head.signed = false;
      return Promise.resolve(head);
    }
    return crypto.subtle
      .importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"])
      .then(
        function (key) {
          return crypto.subtle.verify({ name: "Ed25519" }, key, signature, encoder.encode(text));
        },
        function () {
          return null; // this browser has no Ed25519: the signature stays unchecked
        }
      )
      .then(function (valid) {
        head.signed = valid;
        return head;
      });
  }

  function show(box, verdict, which) {
    verdict.textContent = box.getAttribute("data-text-" + which);
    verdict.classList.remove("badge-ok", "badge-bad");
    verdict.classList.add(which === "ok" || which === "partial" ? "badge-ok" : "badge-bad");
    verdict.setAttribute("data-ok", which === "ok" ? "true" : which === "partial" ? "partial" : "false");
    var detail = box.querySelector("[data-browser-detail]");
    if (detail) {
      detail.textContent = box.getAttribute("data-detail-" + which);
    }
  }

  function check(box) {
    var verdict = box.querySelector("[data-browser-verdict]");
    if (!verdict) return;
    if (!window.crypto || !crypto.subtle) {
      show(box, verdict, "unsupported");
      return;
    }
    var index = parseInt(box.getAttribute("data-index"), 10);
    var size = parseInt(box.getAttribute("data-tree-size"), 10);
    var pathText = (box.getAttribute("data-path") || "").trim();
    var head, leaf, path;
    Promise.resolve()
      .then(function () {
        leaf = fromHex(box.getAttribute("data-leaf") || "");
        path = pathText ? pathText.split(/\s+/).map(fromHex) : [];
        return openCheckpoint(box.getAttribute("data-note") || "", box.getAttribute("data-vkey") || "");
      })
      .then(function (opened) {
        head = opened;
        return sha256(concat(0, [leaf]));
      })
      .then(function (leafHash) {
        return rootFrom(index, size, leafHash, path);
      })
      .then(function (computed) {
        var included = computed !== null && head.size === size && equal(computed, head.root);
        if (!included || head.signed === false) {
          show(box, verdict, "bad");
        } else {
          show(box, verdict, head.signed === null ? "partial" : "ok");
        }
      })
      .catch(function () {
        show(box, verdict, "bad");
      });
  }

  function start() {
    document.querySelectorAll("[data-tlog-proof]").forEach(check);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
