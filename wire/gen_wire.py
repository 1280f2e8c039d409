#!/usr/bin/env python3
"""Generate C message codecs from a CSV message table (see peer_wire.csv).

    gen_wire.py header CSV OUT.h --prefix peer_wire
    gen_wire.py source CSV OUT.c --prefix peer_wire --header wire/peer_wire_gen.h

For each message M it emits `struct msg_M` (one member per spec field,
in spec order), `towire_M()`, `fromwire_M()` and `msg_M_free()`; for each
tlv_stream S, `struct tlv_S` (one pointer per record, NULL when absent)
with its namespace, reader, writer and new/free; the message-type enum;
a name lookup; and descriptor tables the unit tests compare with the spec.

Why a generator and not X-macros: the CSV lines are the spec's lines, so a
reviewer checks them against the BOLT text directly, and the output is plain
C that reads (and single-steps) like hand-written code.  X-macros would
need a macro per field shape and produce code nobody can read.

Output is deterministic; the script uses only the Python standard library.
"""

import argparse
import csv
import os
import re
import sys


class WireType:
    """A spec type: its C type, wire size (None if variable) and codec."""

    def __init__(self, name, ctype, size, by_value, codec):
        self.name = name
        self.ctype = ctype
        self.size = size
        self.by_value = by_value    # fromwire returns it (else: out-param)
        self.codec = codec          # suffix of fromwire_X / towire_X

    @property
    def is_truncated(self):
        return self.codec.startswith('tu')


def _int(name, ctype, size, codec=None):
    return WireType(name, ctype, size, True, codec or name)


def _struct(name, ctype, size):
    return WireType(name, ctype, size, False, name)


FUNDAMENTAL = {t.name: t for t in [
    _int('byte', 'uint8_t', 1, 'u8'),
    _int('u8', 'uint8_t', 1),
    _int('u16', 'uint16_t', 2),
    _int('u32', 'uint32_t', 4),
    _int('u64', 'uint64_t', 8),
    _int('s8', 'int8_t', 1),
    _int('s16', 'int16_t', 2),
    _int('s32', 'int32_t', 4),
    _int('s64', 'int64_t', 8),
    _int('tu16', 'uint16_t', None),
    _int('tu32', 'uint32_t', None),
    _int('tu64', 'uint64_t', None),
    _int('bigsize', 'uint64_t', None),
    _struct('chain_hash', 'struct chain_hash', 32),
    _struct('channel_id', 'struct channel_id', 32),
    _struct('sha256', 'struct wire_sha256', 32),
    _struct('point', 'struct wire_point', 33),
    _struct('signature', 'struct wire_signature', 64),
    _struct('short_channel_id', 'struct short_channel_id', 8),
]}

C_KEYWORDS = set('''auto break case char const continue default do double
else enum extern float for goto if inline int long register restrict return
short signed sizeof static struct switch typedef union unsigned void volatile
while bool true false'''.split())


class Field:
    def __init__(self, name, typename, count, is_listed=True):
        self.name = name
        self.typename = typename
        self.count = count          # None, int, '...', or a Field
        self.type = None            # WireType or TlvStream, once resolved
        # False for a `msgtlvs` extension, which the spec defines beside
        # the message's data list: the descriptor table leaves it out.
        self.is_listed = is_listed

    @property
    def is_tlv(self):
        return isinstance(self.type, TlvStream)

    @property
    def is_rest(self):
        return self.count == '...'

    @property
    def spec_type(self):
        """The field's type as the spec writes it: `gflen*byte`."""
        if self.count is None:
            return self.typename
        if isinstance(self.count, Field):
            return '%s*%s' % (self.count.name, self.typename)
        return '%s*%s' % (self.count, self.typename)


class Message:
    def __init__(self, name, value):
        self.name = name
        self.value = value
        self.fields = []


class TlvRecord:
    def __init__(self, stream, name, value):
        self.stream = stream
        self.name = name
        self.value = value
        self.fields = []


class TlvStream:
    def __init__(self, name):
        self.name = name
        self.records = []


class Subtype:
    """A spec `subtype`: a fixed-size struct of fundamental fields, usable
    as a field type (`...*channel_update_checksums`)."""

    def __init__(self, name):
        self.name = name
        self.fields = []

    def wire_type(self):
        size = sum(f.type.size * (f.count or 1) for f in self.fields)
        return WireType(self.name, 'struct subtype_%s' % self.name, size,
                        False, 'subtype_' + self.name)


class CsvError(Exception):
    pass


def parse_count(fields, count):
    if count == '':
        return None
    if count == '...':
        return count
    if re.fullmatch(r'[0-9]+', count):
        return int(count)
    for f in fields:
        if f.name == count:
            return f
    raise CsvError('count %r names no earlier field' % count)


def check_fields(where, fields, in_tlv):
    names = set()
    for i, f in enumerate(fields):
        is_last = i == len(fields) - 1
        if f.name in names:
            raise CsvError('%s: duplicate field %s' % (where, f.name))
        if f.name in C_KEYWORDS or not re.fullmatch(r'[a-z_][a-z0-9_]*',
                                                    f.name):
            raise CsvError('%s: bad field name %s' % (where, f.name))
        names.add(f.name)
        if f.is_tlv:
            if in_tlv or f.count is not None or not is_last:
                raise CsvError('%s: a tlv_stream must be the last field'
                               % where)
            continue
        t = f.type
        if t.size is None and f.count is not None:
            raise CsvError('%s: no arrays of variable-size %s'
                           % (where, t.name))
        if t.is_truncated and not (in_tlv and is_last):
            raise CsvError('%s: %s must be the last field of a TLV record'
                           % (where, t.name))
        if f.is_rest and not is_last:
            raise CsvError('%s: ... must be the last field' % where)
        if isinstance(f.count, Field):
            c = f.count
            if c.count is not None or c.is_tlv or not c.type.by_value \
               or c.type.size is None:
                raise CsvError('%s: %s cannot be a count' % (where, c.name))
        if f.is_rest and fields[-1].is_tlv:
            raise CsvError('%s: ... cannot precede a tlv_stream' % where)


def parse_csv(path):
    messages, streams, subtypes = [], {}, {}
    pending = []    # fields whose type is resolved once all streams are seen
    with open(path, newline='') as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row or row[0].startswith('#'):
                continue
            where = '%s:%d' % (path, lineno)
            row = [c.strip() for c in row] + ['']
            try:
                if row[0] == 'msgtype':
                    messages.append(Message(row[1], int(row[2])))
                elif row[0] == 'msgdata':
                    msg = next(m for m in messages if m.name == row[1])
                    fld = Field(row[2], row[3],
                                parse_count(msg.fields, row[4]))
                    msg.fields.append(fld)
                    pending.append((where, fld))
                elif row[0] == 'msgtlvs':
                    msg = next(m for m in messages if m.name == row[1])
                    fld = Field(row[2], row[3], None, is_listed=False)
                    msg.fields.append(fld)
                    pending.append((where, fld))
                elif row[0] == 'subtype':
                    if row[1] in subtypes:
                        raise CsvError('duplicate subtype %s' % row[1])
                    subtypes[row[1]] = Subtype(row[1])
                elif row[0] == 'subtypedata':
                    sub = subtypes[row[1]]
                    fld = Field(row[2], row[3],
                                parse_count(sub.fields, row[4]))
                    if fld.count is not None and not isinstance(fld.count,
                                                                int):
                        raise CsvError('subtype fields have fixed sizes')
                    fld.type = FUNDAMENTAL.get(fld.typename)
                    if fld.type is None or fld.type.size is None:
                        raise CsvError('subtype field type %s is not a '
                                       'fixed-size fundamental type'
                                       % fld.typename)
                    sub.fields.append(fld)
                elif row[0] == 'tlvtype':
                    stream = streams.setdefault(row[1], TlvStream(row[1]))
                    stream.records.append(TlvRecord(stream, row[2],
                                                    int(row[3])))
                elif row[0] == 'tlvdata':
                    rec = next(r for r in streams[row[1]].records
                               if r.name == row[2])
                    fld = Field(row[3], row[4],
                                parse_count(rec.fields, row[5]))
                    rec.fields.append(fld)
                    pending.append((where, fld))
                else:
                    raise CsvError('unknown line kind %r' % row[0])
            except (StopIteration, KeyError):
                raise CsvError('%s: %s before its msgtype/tlvtype'
                               % (where, row[0]))
            except (CsvError, ValueError) as e:
                raise CsvError('%s: %s' % (where, e))

    sub_types = {n: sub.wire_type() for n, sub in subtypes.items()}
    for n, sub in subtypes.items():
        if not sub.fields:
            raise CsvError('subtype %s has no fields' % n)
    for where, fld in pending:
        fld.type = (streams.get(fld.typename) or FUNDAMENTAL.get(fld.typename)
                    or sub_types.get(fld.typename))
        if fld.type is None:
            raise CsvError('%s: unknown type %s' % (where, fld.typename))
        if not fld.is_listed and not fld.is_tlv:
            raise CsvError('%s: msgtlvs needs a tlv_stream, not %s'
                           % (where, fld.typename))
    seen = {}
    for m in messages:
        if not m.fields:
            raise CsvError('message %s has no fields' % m.name)
        if m.value in seen or not 0 <= m.value <= 0xFFFF:
            raise CsvError('message %s: bad or duplicate type %d'
                           % (m.name, m.value))
        seen[m.value] = m
        check_fields('message ' + m.name, m.fields, False)
    for s in streams.values():
        for prev, rec in zip(s.records, s.records[1:]):
            if rec.value <= prev.value:
                raise CsvError('%s: record types must strictly increase'
                               % s.name)
        for rec in s.records:
            check_fields('%s.%s' % (s.name, rec.name), rec.fields, True)
    return messages, list(streams.values()), list(subtypes.values())


# ---- C emission ----

def member_decls(fields):
    if not fields:
        # C has no empty structs; a field-less record's presence is its value.
        return ['\tbool is_present;\t/* no fields: the pointer says it all */']
    out = []
    for f in fields:
        if f.is_tlv:
            out.append('\tstruct tlv_%s *%s;\t/* NULL writes no records */'
                       % (f.type.name, f.name))
        elif f.count is None:
            out.append('\t%s %s;' % (f.type.ctype, f.name))
        elif isinstance(f.count, int):
            out.append('\t%s %s[%d];' % (f.type.ctype, f.name, f.count))
        elif f.is_rest:
            out.append('\tsize_t num_%s;' % f.name)
            out.append('\t%s *%s;\t/* num_%s elements */'
                       % (f.type.ctype, f.name, f.name))
        else:
            out.append('\t%s *%s;\t/* %s elements */'
                       % (f.type.ctype, f.name, f.count.name))
    return out


class Ctx:
    """How generated code reaches the cursor and the struct."""

    def __init__(self, cursor, max_, max_value, obj):
        self.cursor = cursor        # "&cursor" or "cursor"
        self.max = max_             # "&max" or "max"
        self.max_value = max_value  # "max" or "*max"
        self.obj = obj              # "m->" or "rec->"

    @property
    def cur(self):
        return '%s, %s' % (self.cursor, self.max)


def decode_one(t, ctx, lvalue, indent):
    if t.by_value:
        return ['%s%s = fromwire_%s(%s);' % (indent, lvalue, t.codec,
                                             ctx.cur)]
    return ['%sfromwire_%s(%s, &%s);' % (indent, t.codec, ctx.cur, lvalue)]


def encode_one(t, rvalue, indent):
    if t.by_value:
        return ['%stowire_%s(buf, %s);' % (indent, t.codec, rvalue)]
    return ['%stowire_%s(buf, &%s);' % (indent, t.codec, rvalue)]


def count_expr(f, obj):
    if isinstance(f.count, int):
        return str(f.count)
    if f.is_rest:
        return '%snum_%s' % (obj, f.name)
    return '%s%s' % (obj, f.count.name)


def decode_field(f, ctx):
    o, t = ctx.obj, f.type
    member = o + f.name
    if f.is_tlv:
        return ['\t%s = fromwire_tlv_%s(%s, NULL);'
                % (member, t.name, ctx.cur)]
    if f.count is None:
        return decode_one(t, ctx, member, '\t')
    n = count_expr(f, o)
    lines = []
    if f.is_rest and t.size == 1:
        lines.append('\t%s = %s;' % (n, ctx.max_value))
    elif f.is_rest:
        lines.append('\t%s = %s / %d;' % (n, ctx.max_value, t.size))
    if isinstance(f.count, int):
        if t.codec == 'u8':
            return ['\tfromwire_bytes(%s, %s, %s);' % (ctx.cur, member, n)]
        return (['\tfor (size_t i = 0; i < %s; i++)' % n]
                + decode_one(t, ctx, member + '[i]', '\t\t'))
    lines.append('\tif (fromwire_array_fits(%s, %s, %d)) {'
                 % (ctx.cur, n, t.size))
    lines.append('\t\t%s = wire_calloc(%s, sizeof(%s[0]));'
                 % (member, n, member))
    if t.codec == 'u8':
        lines.append('\t\tfromwire_bytes(%s, %s, %s);' % (ctx.cur, member, n))
    else:
        lines.append('\t\tfor (size_t i = 0; i < %s; i++)' % n)
        lines += decode_one(t, ctx, member + '[i]', '\t\t\t')
    lines.append('\t}')
    return lines


def encode_field(f, obj):
    t = f.type
    member = obj + f.name
    if f.is_tlv:
        return ['\ttowire_tlv_%s(buf, %s);' % (t.name, member)]
    if f.count is None:
        return encode_one(t, member, '\t')
    n = count_expr(f, obj)
    if t.codec == 'u8':
        return ['\ttowire_bytes(buf, %s, %s);' % (member, n)]
    return (['\tfor (size_t i = 0; i < %s; i++)' % n]
            + encode_one(t, member + '[i]', '\t\t'))


def free_fields(fields, obj):
    out = []
    for f in fields:
        if f.is_tlv:
            out.append('\ttlv_%s_free(%s%s);' % (f.type.name, obj, f.name))
        elif f.count is not None and not isinstance(f.count, int):
            out.append('\tfree(%s%s);' % (obj, f.name))
    return out


def enum_name(msg):
    return 'WIRE_' + msg.name.upper()


HEADER_DOC = '''/* Generated by wire/gen_wire.py from %(csv)s: do not edit.
 *
 * For each message M of the table:
 *   struct msg_M: one member per spec field, in spec order.  A `len*T`
 *     array is a pointer whose element count is the member `len`; a
 *     `...*T` array has its count in num_<field>.
 *   struct wirebuf *towire_M(const struct msg_M *msg): the whole message,
 *     type included.  Never fails; free the result with wirebuf_free().
 *     Precondition: every array holds as many elements as its count says.
 *   bool fromwire_M(const uint8_t *msg, size_t len, struct msg_M **out):
 *     decodes a whole message, type included.  Returns false (and leaves
 *     *out alone) if the type is not M, the message is short, or its TLV
 *     stream is invalid.  On success *out is the caller's, for msg_M_free().
 * For each tlv_stream S: struct tlv_S has one pointer per record type
 * (NULL when absent) and the unknown odd records; fromwire_tlv_S() reads
 * the rest of a buffer (NULL on error), towire_tlv_S() writes one (NULL
 * writes nothing), tlv_S_new()/tlv_S_free() manage it.
 */'''


def emit_subtype_header(sub):
    L = ['/* subtype `%s` */' % sub.name, 'struct subtype_%s {' % sub.name]
    L += member_decls(sub.fields)
    L += ['};', '',
          'void fromwire_subtype_%s(const uint8_t **cursor, size_t *max,'
          % sub.name,
          '\t\tstruct subtype_%s *out);' % sub.name,
          'void towire_subtype_%s(struct wirebuf *buf,' % sub.name,
          '\t\tconst struct subtype_%s *v);' % sub.name, '']
    return L


def emit_subtype(sub):
    ctx = Ctx('cursor', 'max', '*max', 'out->')
    L = ['void fromwire_subtype_%s(const uint8_t **cursor, size_t *max,'
         % sub.name, '\t\tstruct subtype_%s *out)' % sub.name, '{']
    for f in sub.fields:
        L += decode_field(f, ctx)
    L += ['}', '', 'void towire_subtype_%s(struct wirebuf *buf,' % sub.name,
          '\t\tconst struct subtype_%s *v)' % sub.name, '{']
    for f in sub.fields:
        L += encode_field(f, 'v->')
    L += ['}', '']
    return L


def emit_header(messages, streams, subtypes, prefix, csv_name):
    guard = 'OHM_WIRE_%s_GEN_H' % prefix.upper()
    L = [HEADER_DOC % {'csv': csv_name}, '#ifndef ' + guard,
         '#define ' + guard, '',
         '#include <stdbool.h>', '#include <stddef.h>', '#include <stdint.h>',
         '', '#include "wire/tlv.h"', '#include "wire/wire.h"',
         '#include "wire/wire_desc.h"', '',
         '/* Message types.  Switches over this enum have no default: so the',
         ' * compiler points at every switch a new message must be added to. */',
         'enum %s {' % prefix]
    for m in sorted(messages, key=lambda m: m.value):
        L.append('\t%s = %d,' % (enum_name(m), m.value))
    L += ['};', '',
          '/* The name of message type `type` ("init"), or NULL if this table',
          ' * does not define it. */',
          'const char *%s_name(uint16_t type);' % prefix, '']
    for sub in subtypes:
        L += emit_subtype_header(sub)
    for s in streams:
        L.append('/* tlv_stream `%s` */' % s.name)
        for r in s.records:
            L.append('struct tlv_%s_%s {' % (s.name, r.name))
            L += member_decls(r.fields)
            L += ['};', '']
        L.append('struct tlv_%s {' % s.name)
        for r in s.records:
            L.append('\tstruct tlv_%s_%s *%s;\t/* type %d */'
                     % (s.name, r.name, r.name, r.value))
        L.append('\tstruct tlv_unknowns unknowns;\t/* unknown odd records */')
        L += ['};', '',
              'extern const struct tlv_namespace tlv_%s_namespace;' % s.name,
              'struct tlv_%s *tlv_%s_new(void);' % (s.name, s.name),
              'void tlv_%s_free(struct tlv_%s *tlvs);' % (s.name, s.name),
              'struct tlv_%s *fromwire_tlv_%s(const uint8_t **cursor, '
              'size_t *max,' % (s.name, s.name),
              '\t\tstruct tlv_error *err);',
              'void towire_tlv_%s(struct wirebuf *buf, '
              'const struct tlv_%s *tlvs);' % (s.name, s.name), '']
    for m in messages:
        L.append('/* `%s` (type %d) */' % (m.name, m.value))
        L.append('struct msg_%s {' % m.name)
        L += member_decls(m.fields)
        L += ['};', '',
              'struct wirebuf *towire_%s(const struct msg_%s *msg);'
              % (m.name, m.name),
              'bool fromwire_%s(const uint8_t *msg, size_t len, '
              'struct msg_%s **out);' % (m.name, m.name),
              'void msg_%s_free(struct msg_%s *msg);' % (m.name, m.name), '']
    L += ['/* Every message and TLV record above, field by field, as the spec',
          ' * writes them. */',
          'extern const struct wire_msg_desc %s_msg_descs[];' % prefix,
          'extern const size_t %s_num_msg_descs;' % prefix,
          'extern const struct wire_tlv_record_desc %s_tlv_descs[];' % prefix,
          'extern const size_t %s_num_tlv_descs;' % prefix, '',
          '#endif /* %s */' % guard]
    return '\n'.join(L) + '\n'


def emit_stream(s):
    L = []
    for r in s.records:
        sname = 'tlv_%s_%s' % (s.name, r.name)
        ctx = Ctx('cursor', 'max', '*max', 'rec->')
        L += ['static void fromwire_%s(const uint8_t **cursor, size_t *max,'
              % sname,
              '\t\t\tvoid *vstream)', '{',
              '\tstruct tlv_%s *stream = vstream;' % s.name,
              '\tstruct %s *rec = wire_calloc(1, sizeof(*rec));' % sname, '',
              '\tstream->%s = rec;' % r.name]
        for f in r.fields:
            L += decode_field(f, ctx)
        L += ['}', '',
              'static bool towire_%s(struct wirebuf *buf, const void *vstream)'
              % sname, '{',
              '\tconst struct tlv_%s *stream = vstream;' % s.name,
              '\tconst struct %s *rec = stream->%s;' % (sname, r.name), '',
              '\tif (!rec)', '\t\treturn false;']
        for f in r.fields:
            L += encode_field(f, 'rec->')
        L += ['\treturn true;', '}', '']
    L.append('static const struct tlv_record_type tlv_%s_types[] = {'
             % s.name)
    for r in s.records:
        L.append('\t{ %d, "%s", fromwire_tlv_%s_%s, towire_tlv_%s_%s },'
                 % (r.value, r.name, s.name, r.name, s.name, r.name))
    L += ['};', '',
          'const struct tlv_namespace tlv_%s_namespace = {' % s.name,
          '\t"%s", tlv_%s_types,' % (s.name, s.name),
          '\tsizeof(tlv_%s_types) / sizeof(tlv_%s_types[0]),'
          % (s.name, s.name),
          '};', '',
          'struct tlv_%s *tlv_%s_new(void)' % (s.name, s.name), '{',
          '\treturn wire_calloc(1, sizeof(struct tlv_%s));' % s.name, '}', '',
          'void tlv_%s_free(struct tlv_%s *tlvs)' % (s.name, s.name), '{',
          '\tif (!tlvs)', '\t\treturn;']
    for r in s.records:
        frees = free_fields(r.fields, 'tlvs->%s->' % r.name)
        if len(frees) == 1:
            L.append('\tif (tlvs->%s)' % r.name)
            L += ['\t' + x for x in frees]
        elif frees:
            L.append('\tif (tlvs->%s) {' % r.name)
            L += ['\t' + x for x in frees]
            L.append('\t}')
        L.append('\tfree(tlvs->%s);' % r.name)
    L += ['\ttlv_unknowns_clear(&tlvs->unknowns);', '\tfree(tlvs);', '}', '',
          'struct tlv_%s *fromwire_tlv_%s(const uint8_t **cursor, size_t *max,'
          % (s.name, s.name),
          '\t\tstruct tlv_error *err)', '{',
          '\tstruct tlv_%s *tlvs = tlv_%s_new();' % (s.name, s.name), '',
          '\tif (!tlv_stream_fromwire(cursor, max, &tlv_%s_namespace, tlvs,'
          % s.name,
          '\t\t\t\t &tlvs->unknowns, err)) {',
          '\t\ttlv_%s_free(tlvs);' % s.name, '\t\treturn NULL;', '\t}',
          '\treturn tlvs;', '}', '',
          'void towire_tlv_%s(struct wirebuf *buf, const struct tlv_%s *tlvs)'
          % (s.name, s.name), '{',
          '\tif (tlvs)',
          '\t\ttlv_stream_towire(buf, &tlv_%s_namespace, tlvs,' % s.name,
          '\t\t\t\t  &tlvs->unknowns);', '}', '']
    return L


EXTENSION_NOTE = ['\t/* BOLT #1:',
                  '\t *   - upon receiving a message with an `extension`:',
                  '\t *     - MAY ignore the `extension`.',
                  '\t */']


def emit_message(m):
    ctx = Ctx('&cursor', '&max', 'max', 'm->')
    L = ['struct wirebuf *towire_%s(const struct msg_%s *msg)'
         % (m.name, m.name), '{',
         '\tstruct wirebuf *buf = wirebuf_new();', '',
         '\ttowire_u16(buf, %s);' % enum_name(m)]
    for f in m.fields:
        L += encode_field(f, 'msg->')
    L += ['\treturn buf;', '}', '',
          'bool fromwire_%s(const uint8_t *msg, size_t len, '
          'struct msg_%s **out)' % (m.name, m.name), '{',
          '\tconst uint8_t *cursor = msg;', '\tsize_t max = len;',
          '\tstruct msg_%s *m;' % m.name, '',
          '\tif (fromwire_u16(&cursor, &max) != %s || !cursor)'
          % enum_name(m),
          '\t\treturn false;',
          '\tm = wire_calloc(1, sizeof(*m));']
    for f in m.fields:
        L += decode_field(f, ctx)
    if not m.fields[-1].is_tlv:
        L += EXTENSION_NOTE
    L += ['\tif (!cursor) {', '\t\tmsg_%s_free(m);' % m.name,
          '\t\treturn false;', '\t}', '\t*out = m;', '\treturn true;', '}', '',
          'void msg_%s_free(struct msg_%s *msg)' % (m.name, m.name), '{',
          '\tif (!msg)', '\t\treturn;']
    L += free_fields(m.fields, 'msg->')
    L += ['\tfree(msg);', '}', '']
    return L


def field_descs(cname, fields):
    fields = [f for f in fields if f.is_listed]
    if not fields:
        return [], 'NULL'
    L = ['static const struct wire_field_desc %s[] = {' % cname]
    for f in fields:
        L.append('\t{ "%s", "%s" },' % (f.name, f.spec_type))
    L += ['};', '']
    return L, cname


def emit_source(messages, streams, subtypes, prefix, csv_name, header):
    L = ['/* Generated by wire/gen_wire.py from %s: do not edit. */'
         % csv_name, '#include "%s"' % header, '', '#include <stdlib.h>', '',
         'const char *%s_name(uint16_t type)' % prefix, '{',
         '\tswitch ((enum %s)type) {' % prefix]
    for m in messages:
        L += ['\tcase %s:' % enum_name(m), '\t\treturn "%s";' % m.name]
    L += ['\t}', '\treturn NULL;', '}', '']
    for sub in subtypes:
        L += emit_subtype(sub)
    for s in streams:
        L += emit_stream(s)
    for m in messages:
        L += emit_message(m)

    table = []
    for m in messages:
        d, name = field_descs('%s_fields' % m.name, m.fields)
        L += d
        table.append('\t{ %s, "%s", %s, %d },'
                     % (enum_name(m), m.name, name,
                        len([f for f in m.fields if f.is_listed])))
    L += ['const struct wire_msg_desc %s_msg_descs[] = {' % prefix] + table
    L += ['};', 'const size_t %s_num_msg_descs = %d;' % (prefix, len(table)),
          '']
    table = []
    for s in streams:
        for r in s.records:
            d, name = field_descs('tlv_%s_%s_fields' % (s.name, r.name),
                                  r.fields)
            L += d
            table.append('\t{ "%s", %d, "%s", %s, %d },'
                         % (s.name, r.value, r.name, name, len(r.fields)))
    if table:
        L += ['const struct wire_tlv_record_desc %s_tlv_descs[] = {' % prefix]
        L += table + ['};']
    else:
        L += ['const struct wire_tlv_record_desc %s_tlv_descs[1];' % prefix]
    L += ['const size_t %s_num_tlv_descs = %d;' % (prefix, len(table))]
    return '\n'.join(L) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('kind', choices=['header', 'source'])
    ap.add_argument('csv')
    ap.add_argument('out')
    ap.add_argument('--prefix', required=True)
    ap.add_argument('--header', help='include path of the generated header')
    args = ap.parse_args()

    try:
        messages, streams, subtypes = parse_csv(args.csv)
    except CsvError as e:
        sys.exit('gen_wire.py: %s' % e)
    csv_name = 'wire/' + os.path.basename(args.csv)
    if args.kind == 'header':
        text = emit_header(messages, streams, subtypes, args.prefix, csv_name)
    else:
        if not args.header:
            sys.exit('gen_wire.py: source needs --header')
        text = emit_source(messages, streams, subtypes, args.prefix, csv_name,
                           args.header)
    # Write atomically so an interrupted build never leaves half a file.
    tmp = args.out + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.replace(tmp, args.out)


if __name__ == '__main__':
    main()
