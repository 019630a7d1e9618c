package org.legonet.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import org.legonet.core.LegoNetException;
import org.legonet.core.ModelConfig;
import org.legonet.core.encoder.Encoder;
import org.legonet.core.encoder.Encoders;
import org.legonet.core.routing.Keys;

/**
 * What the driver fitted and every executor needs, broadcast once: the configuration, the label
 * set, the frozen encoder and the frozen keys.
 *
 * <p>The encoder and keys travel as bytes in the model store's own formats ({@link Encoder#state()}
 * restored by {@link Encoders#restore}, {@link Keys#toBytes()}), not by Java serialization of the
 * objects: those formats are what {@code verify} and a reopened model rely on already, they work for
 * every encoder family (including ones holding a native session), and core stays free of
 * {@code java.io.Serializable}. An executor checks the encoder it rebuilt against the fingerprint
 * the driver computed, and the keys against their digest.
 */
final class Frozen implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, Object> config;
    private final int classes;
    private final String encoderSpec;
    private final int inputDim;
    private final int[] sampleShape;
    private final byte[] encoderState;
    private final String encoderFingerprint;
    private final byte[] keys;
    private final String keysDigest;

    Frozen(ModelConfig config, int classes, Encoder encoder, String encoderFingerprint, Keys keys, int[] sampleShape) {
        this.config = new LinkedHashMap<>(config.toMap());
        if (!ModelConfig.fromMap(this.config).equals(config)) {
            throw new IllegalStateException("the configuration does not survive its map form: " + config);
        }
        this.classes = classes;
        this.encoderSpec = encoder.spec();
        this.inputDim = encoder.inputDim();
        this.sampleShape = sampleShape.clone();
        this.encoderState = encoder.state();
        this.encoderFingerprint = encoderFingerprint;
        this.keys = keys.toBytes();
        this.keysDigest = keys.digest();
    }

    ModelConfig config() {
        return ModelConfig.fromMap(config);
    }

    int classes() {
        return classes;
    }

    int inputDim() {
        return inputDim;
    }

    int[] sampleShape() {
        return sampleShape.clone();
    }

    /** The frozen encoder, rebuilt from its stored form and checked; the caller closes it. */
    Encoder encoder() {
        Encoder e = Encoders.restore(encoderSpec, inputDim, encoderState);
        if (!e.fingerprint().equals(encoderFingerprint)) {
            e.close();
            throw new LegoNetException("the encoder rebuilt on this executor does not match the driver's fingerprint "
                    + encoderFingerprint);
        }
        return e;
    }

    /** The frozen keys, rebuilt from their stored form and checked. */
    Keys keys() {
        Keys k = Keys.fromBytes(keys);
        if (!k.digest().equals(keysDigest)) {
            throw new LegoNetException("the keys rebuilt on this executor do not match the driver's digest " + keysDigest);
        }
        return k;
    }
}
