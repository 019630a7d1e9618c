package org.legonet.dl.torchscript;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * TorchScript files written by hand, since neither DJL nor this machine's Python can export one. A
 * TorchScript file is a zip of stored (uncompressed) records under one folder:
 * {@code version} (file format 3), {@code constants.pkl} (a pickled empty tuple),
 * {@code data.pkl} (the pickled module object: class {@code __torch__.Encoder} with its one
 * attribute {@code training}) and {@code code/__torch__.py} (the class, as TorchScript source).
 * The modules hold no tensors: constants are written into the source.
 */
final class TorchScriptArchives {
    private TorchScriptArchives() {
    }

    /** A module whose {@code forward(x)} returns {@code body} (TorchScript source using {@code x}). */
    static byte[] module(String inputType, String returnType, String... body) {
        StringBuilder code = new StringBuilder()
                .append("class Encoder(Module):\n")
                .append("  __parameters__ = []\n")
                .append("  __buffers__ = []\n")
                .append("  training : bool\n")
                .append("  def forward(self: __torch__.Encoder,\n")
                .append("    x: ").append(inputType).append(") -> ").append(returnType).append(":\n");
        for (String line : body) {
            code.append("    ").append(line).append('\n');
        }
        ByteArrayOutputStream zip = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(zip)) {
            put(z, "archive/data.pkl", moduleObject());
            put(z, "archive/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            put(z, "archive/code/__torch__.py", code.toString().getBytes(StandardCharsets.UTF_8));
            put(z, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zip.toByteArray();
    }

    /** {@code relu(x W + b)} with W ({@code d x h}, row-major) and b written as literals. */
    static byte[] denseRelu(int d, int h, float[] w, float[] b) {
        StringBuilder wl = new StringBuilder("[");
        for (int i = 0; i < d; i++) {
            wl.append(i == 0 ? "[" : ", [");
            for (int j = 0; j < h; j++) {
                wl.append(j == 0 ? "" : ", ").append(w[i * h + j]);
            }
            wl.append(']');
        }
        wl.append(']');
        StringBuilder bl = new StringBuilder("[");
        for (int j = 0; j < h; j++) {
            bl.append(j == 0 ? "" : ", ").append(b[j]);
        }
        bl.append(']');
        return module("Tensor", "Tensor",
                "w = torch.tensor(" + wl + ")",
                "b = torch.tensor(" + bl + ")",
                "return torch.relu(torch.add(torch.matmul(x, w), b))");
    }

    /**
     * The pickle (protocol 2) of a module object as {@code torch.jit.save} writes it:
     * {@code GLOBAL '__torch__ Encoder'}, an empty tuple, {@code NEWOBJ}, then its attribute dict
     * {@code {'training': True}} and {@code BUILD}.
     */
    private static byte[] moduleObject() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80); // PROTO 2
        b.write(2);
        b.writeBytes("c__torch__\nEncoder\n".getBytes(StandardCharsets.US_ASCII)); // GLOBAL
        b.write('q'); // BINPUT 0
        b.write(0);
        b.write(')'); // EMPTY_TUPLE
        b.write(0x81); // NEWOBJ
        b.write('}'); // EMPTY_DICT
        b.write('('); // MARK
        byte[] name = "training".getBytes(StandardCharsets.US_ASCII);
        b.write('X'); // BINUNICODE, 4-byte little-endian length
        b.write(name.length);
        b.write(0);
        b.write(0);
        b.write(0);
        b.writeBytes(name);
        b.write(0x88); // NEWTRUE
        b.write('u'); // SETITEMS
        b.write('b'); // BUILD
        b.write('.'); // STOP
        return b.toByteArray();
    }

    private static void put(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }
}
