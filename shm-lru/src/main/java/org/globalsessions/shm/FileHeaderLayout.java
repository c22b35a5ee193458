package org.globalsessions.shm;

/**
 * The file header: the first {@value #HEADER_SIZE} bytes of a table file. All fields are
 * little-endian. See {@code shm-lru/SPEC.md}, section "File header".
 *
 * <pre>
 *   0       8      12      16              24              32
 *   +-------+------+-------+---------------+---------------+
 *   | MAGIC | VERS | HSIZE |   INIT_WORD   |  CREATED_AT   |
 *   +-------+------+-------+---------------+---------------+
 *  32              40      44      48              56              64
 *   +---------------+------+-------+---------------+---------------+
 *   |    EL_COUNT   | RSIZ | SEGS  |      SEED     |  LEASE_MILLIS |
 *   +---------------+------+-------+---------------+---------------+
 *  64      68      72      76      80              88              96
 *   +------+-------+-------+-------+---------------+---------------+
 *   | SCAP | SLOTS | RSTRD | (pad) | SEGMENT_STRIDE| SEGMENTS_OFFS |
 *   +------+-------+-------+-------+---------------+---------------+
 *  96              104             112             120 ............ 256
 *   +---------------+---------------+---------------+-- reserved ---+
 *   |   FILE_SIZE   | SETTINGS_CRC  |  FRESH_UNTIL  |     zero      |
 *   +---------------+---------------+---------------+---------------+
 * </pre>
 *
 * <p>The settings block {@code [CREATED_AT_OFFSET, SETTINGS_CRC_OFFSET)} is written once by
 * the initialiser before it publishes {@link #INIT_READY}; {@code SETTINGS_CRC} is a CRC32C over
 * exactly those bytes, so an attacher detects a header that was scribbled on.
 */
final class FileHeaderLayout {

    /** "GSESSLRU" read as a little-endian long. */
    static final long MAGIC = 0x55524C5353455347L;
    /** Bumped on any change of the byte layout; attach refuses any other value. */
    static final int LAYOUT_VERSION = 3;
    static final int HEADER_SIZE = 256;

    static final int MAGIC_OFFSET = 0;
    static final int LAYOUT_VERSION_OFFSET = MAGIC_OFFSET + 8;
    static final int HEADER_SIZE_OFFSET = LAYOUT_VERSION_OFFSET + 4;
    /** {@code state << 32 | pid} of the initialiser; see {@link #INIT_INITIALISING}. */
    static final int INIT_WORD_OFFSET = HEADER_SIZE_OFFSET + 4;
    static final int CREATED_AT_OFFSET = INIT_WORD_OFFSET + 8;
    static final int EL_COUNT_OFFSET = CREATED_AT_OFFSET + 8;
    static final int RECORD_SIZE_OFFSET = EL_COUNT_OFFSET + 8;
    static final int SEGMENT_COUNT_OFFSET = RECORD_SIZE_OFFSET + 4;
    static final int SEED_OFFSET = SEGMENT_COUNT_OFFSET + 4;
    static final int LOCK_LEASE_MILLIS_OFFSET = SEED_OFFSET + 8;
    static final int SEGMENT_CAPACITY_OFFSET = LOCK_LEASE_MILLIS_OFFSET + 8;
    static final int SLOTS_PER_SEGMENT_OFFSET = SEGMENT_CAPACITY_OFFSET + 4;
    static final int RECORD_STRIDE_OFFSET = SLOTS_PER_SEGMENT_OFFSET + 4;
    static final int SEGMENT_STRIDE_OFFSET = RECORD_STRIDE_OFFSET + 8;
    static final int SEGMENTS_OFFSET_OFFSET = SEGMENT_STRIDE_OFFSET + 8;
    static final int FILE_SIZE_OFFSET = SEGMENTS_OFFSET_OFFSET + 8;
    static final int SETTINGS_CRC_OFFSET = FILE_SIZE_OFFSET + 8;
    /**
     * Until when (a {@link System#nanoTime()} of this host) some process vouches that the
     * table's contents are fresh; 0: nobody ever did. Written only by CAS to a larger value;
     * zero in files made before it existed, which reads as "not vouched for". Outside the CRC.
     */
    static final int FRESH_UNTIL_OFFSET = SETTINGS_CRC_OFFSET + 8;

    static final long INIT_NEW = 0;
    static final long INIT_INITIALISING = 1;
    static final long INIT_READY = 2;

    private FileHeaderLayout() {
    }

    static long initWord(long state, long pid) {
        return state << 32 | (pid & 0xFFFF_FFFFL);
    }

    static long initState(long initWord) {
        return initWord >>> 32;
    }

    static long initPid(long initWord) {
        return initWord & 0xFFFF_FFFFL;
    }

    static String describeState(long initWord) {
        long state = initState(initWord);
        if (state == INIT_NEW) {
            return "new";
        }
        if (state == INIT_INITIALISING) {
            return "initialising by pid " + initPid(initWord);
        }
        if (state == INIT_READY) {
            return "ready (initialised by pid " + initPid(initWord) + ")";
        }
        return "unknown state " + state;
    }
}
