package ams.export.format;

import java.io.IOException;

/** An open file of one dataset being written under its temporary name. */
public interface SegmentWriter<R> {

    void write(R row) throws IOException;

    long rows();

    /** Bytes written so far (an estimate for Parquet, whose pages are buffered). */
    long bytes();

    /** Finishes the file (footer, flush) and fsyncs it; it can then be renamed. */
    void finish() throws IOException;

    /** Drops the file without publishing it. Never throws: used on the failure path. */
    void abort();
}
