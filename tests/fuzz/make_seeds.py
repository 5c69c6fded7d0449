#!/usr/bin/env python3
"""Writes the committed seed corpora of tests/fuzz/corpus (run from the top
of the tree; the files are committed, this only documents how they were
made).  The BIRD seeds are the captured replies of tests/ops/bird-replies in
the order the client asks for them, separated by two NUL bytes (the format
fuzz_bird.c reads); the others are small hand-made inputs."""
import os
import struct

R = 'tests/ops/bird-replies'
C = 'tests/fuzz/corpus'


def raw(name):
    with open(os.path.join(R, name + '.raw'), 'rb') as f:
        return f.read()


def put(kind, name, data):
    os.makedirs(os.path.join(C, kind), exist_ok=True)
    with open(os.path.join(C, kind, name), 'wb') as f:
        f.write(data)


def bird(name, flags, replies):
    put('bird', name, bytes([flags]) + b'\0\0'.join(
        r if isinstance(r, bytes) else raw(r) for r in replies))


bird('count', 0, ['greeting', 'protocols', 'export_count', 'down_count'])
bird('prefixes', 1, ['greeting', 'protocols', 'export_prefix',
                     'export_prefix6', 'export_prefix_none', 'export_idle'])
bird('fleet', 3, ['greeting', 'protocols', 'export_prefix', 'export_prefix6',
                  'export_idle', 'export_idle', 'fleet4_degraded',
                  'fleet6_degraded'])
bird('fleet_count', 6, ['greeting', 'protocols', 'export_count',
                        'export_count', 'fleet4_both', 'fleet6_both'])
bird('fleet_nosuch', 2, ['greeting', 'protocols', 'export_count',
                         'export_count', 'fleet_nosuch'])
bird('isolong', 4, ['greeting', 'protocols_isolong', 'export_count',
                    'export_count'])
bird('bad', 0, ['greeting', 'bad'])
# What a hostile BIRD could say: ESC, OSC, C1 CSI, invalid UTF-8.
bird('hostile', 5, [
    b'0001 BIRD 2.0.12\x1b[2J ready.\n',
    b'2002-Name       Proto      Table      State  Since         Info\n'
    b'1002-up\x1b]0;x\x07stream   BGP        ---        up     22:39:43.074'
    b'  Established\xc2\x9b31m  \n'
    b' bad\xff\xfe     BGP        ---        st\x9bart  22:39:39.267  Idle\n'
    b'0000 \n',
    'export_prefix', 'export_prefix6', 'export_prefix_none',
    'export_prefix_none'])


def dns_reply(qname, qtype, flags=0x8400, an=b'', ancount=0):
    wire = b''.join(bytes([len(l)]) + l for l in qname.encode().split(b'.')
                    if l) + b'\0'
    return (struct.pack('>HHHHHH', 0x1234, flags, 1, ancount, 0, 0) + wire +
            struct.pack('>HH', qtype, 1) + an)


soa = (b'\xc0\x0c' + struct.pack('>HHIH', 6, 1, 3600, 22) + b'\x02ns\xc0\x0c' +
       b'\x00' + struct.pack('>IIIII', 1, 2, 3, 4, 5)[:20 - 8])
a_rr = b'\xc0\x0c' + struct.pack('>HHIH', 1, 1, 60, 4) + bytes([192, 0, 2, 1])
# byte 0: rcode 0, AA, answer, id checked; byte 1: type index 0 (SOA).
put('dns', 'soa_ok', bytes([0x58, 0x00]) + b'example.com.\0' +
    dns_reply('example.com', 6, ancount=1, an=soa))
put('dns', 'a_ok', bytes([0x58, 0x01]) + b'example.com.\0' +
    dns_reply('example.com', 1, ancount=1, an=a_rr))
put('dns', 'servfail', bytes([0x58, 0x00]) + b'example.com.\0' +
    dns_reply('example.com', 6, flags=0x8402))
put('dns', 'built', bytes([0xd8, 0x00]) + b'a\\.b.ex\\065mple.\0' +
    b'\x04\x00\x00\x01\x00\x00\x00\x00' + soa)
put('dns', 'root', bytes([0x98, 0x02]) + b'.\0' + b'\x04\x00\x00\x00\x00\x00\x00\x00')

for name, req in [('status', b'anycastd/1 status\n'),
                  ('status_json', b'anycastd/1 status json\n'),
                  ('drain', b'anycastd/1 drain kernel upgrade \xc3\xa9t\xc3\xa9\n'),
                  ('big', b'anycastd/1 big\n'),
                  ('version', b'anycastd/2 status\n'),
                  ('control', b'anycastd/1 drain a\tb\x7f\n'),
                  ('c1', b'anycastd/1 drain \xc2\x9b31m\n'),
                  ('nul', b'anycastd/1 drain a\0b\n'),
                  ('partial', b'anycastd/1 stat'),
                  ('split', b'\x05anycastd/1 undrain-if x\n')]:
    put('ctl', name, (b'\x00' if name != 'split' else b'') + req)

put('state', 'drain', b'# anycastd drain state: while this file exists the '
    b'node stays\n# withdrawn.  Undo with "anycastctl undrain".\nversion 1\n'
    b'since 1763765990\nuid 0\npid 4242\nreason kernel upgrade\n')
put('state', 'drain_empty_reason', b'version 1\nsince 1\nuid 1000\npid 1\n'
    b'reason\n')
put('state', 'drain_tab', b'version 1\nsince 1\nuid 1000\npid 1\n'
    b'reason a\tb\x7f\n')
put('state', 'hold', b'1763765990123\n')
put('state', 'hold_bad', b'-1\n')
