package org.legonet.spark;

import java.io.Serializable;

/**
 * What one adapter's task receives of a sample routed to it: id, label and encoding (no raw
 * features; those never leave the encoding stage on their way to training).
 */
record AdapterSample(long id, int label, float[] encoding) implements Serializable {
    private static final long serialVersionUID = 1L;
}
