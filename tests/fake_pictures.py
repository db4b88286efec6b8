"""Shared by the app and unit tests: picture files that lie in their header, as decompression bombs do."""
import struct
import zlib


def png_header(path, width: int, height: int) -> str:
    """A PNG that claims width x height pixels in 69 bytes: what a decompression bomb looks like to a header."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))
    return str(path)
