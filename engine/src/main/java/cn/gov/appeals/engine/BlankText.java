package cn.gov.appeals.engine;

/**
 * Characters that look blank, and text trimmed of them: the engine's copy of the product's one rule
 * (docs/input-rules.md, “Blank-looking characters”; Python {@code appeals.validation.BLANK_CHARACTER},
 * Tasklist {@code scripts/form-messages-zh.js} BLANK). tests/static/test_blank_text.py compiles this class
 * and checks that the three agree on every code point.
 *
 * <p>Blank-looking: Unicode White_Space, controls (Cc), format characters (Cf: U+200B, U+FEFF, …), every
 * Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt; Java has no such property: the
 * Hangul fillers U+115F, U+1160, U+3164, U+FFA0, variation selectors, …) and U+2800 BRAILLE PATTERN BLANK.
 */
final class BlankText {

  private BlankText() {
  }

  /** Default_Ignorable_Code_Point, Unicode 16 DerivedCoreProperties.txt: inclusive ranges. */
  static final int[] DEFAULT_IGNORABLE = {
      0x00AD, 0x00AD, 0x034F, 0x034F, 0x061C, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180F,
      0x200B, 0x200F, 0x202A, 0x202E, 0x2060, 0x206F, 0x3164, 0x3164, 0xFE00, 0xFE0F, 0xFEFF, 0xFEFF,
      0xFFA0, 0xFFA0, 0xFFF0, 0xFFF8, 0x1BCA0, 0x1BCA3, 0x1D173, 0x1D17A, 0xE0000, 0xE0FFF};

  static final int BRAILLE_PATTERN_BLANK = 0x2800;

  /**
   * Characters written without spaces between them (Chinese, kana, bopomofo, full-width punctuation;
   * not Hangul, not full-width letters or digits), inclusive ranges: Python {@code
   * appeals.validation.CJK_RANGES}, the same blocks. A blank run between two of them is dropped by
   * {@link #oneLine} (tester 6, N7).
   */
  static final int[] CJK = {
      0x2E80, 0x2FDF, 0x3001, 0x303F, 0x3040, 0x30FF, 0x3100, 0x312F, 0x3190, 0x31FF, 0x3400, 0x4DBF,
      0x4E00, 0x9FFF, 0xF900, 0xFAFF, 0xFE30, 0xFE4F, 0xFF01, 0xFF0F, 0xFF1A, 0xFF20, 0xFF3B, 0xFF40,
      0xFF5B, 0xFF65, 0x20000, 0x3FFFF};

  static boolean cjk(int codePoint) {
    for (int i = 0; i < CJK.length; i += 2) {
      if (codePoint >= CJK[i] && codePoint <= CJK[i + 1]) {
        return true;
      }
    }
    return false;
  }

  static boolean defaultIgnorable(int codePoint) {
    for (int i = 0; i < DEFAULT_IGNORABLE.length; i += 2) {
      if (codePoint >= DEFAULT_IGNORABLE[i] && codePoint <= DEFAULT_IGNORABLE[i + 1]) {
        return true;
      }
    }
    return false;
  }

  /** Whether `codePoint` shows nothing (see the class). */
  static boolean blank(int codePoint) {
    int type = Character.getType(codePoint);
    return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || type == Character.FORMAT
        || type == Character.CONTROL || defaultIgnorable(codePoint) || codePoint == BRAILLE_PATTERN_BLANK;
  }

  /**
   * `text` without blank-looking characters at both ends; the characters between stay as typed, and so
   * does a blank mark (a variation selector: ❤ + U+FE0F) right after the last visible character.
   */
  static String trim(String text) {
    int start = 0;
    int end = text.length();
    while (start < end && blank(text.codePointAt(start))) {
      start += Character.charCount(text.codePointAt(start));
    }
    while (end > start && blank(text.codePointBefore(end))) {
      end -= Character.charCount(text.codePointBefore(end));
    }
    while (end > start && end < text.length() && blank(text.codePointAt(end))
        && Character.getType(text.codePointAt(end)) == Character.NON_SPACING_MARK) {
      end += Character.charCount(text.codePointAt(end));
    }
    return text.substring(start, end);
  }

  /**
   * One line of text as the workers store names (Python {@code appeals.validation.normalize_text(value,
   * fold=False)}, docs/input-rules.md): trimmed ({@link #trim}); format characters (U+200B, U+FEFF, …) and
   * controls removed; line breaks, tabs, every space (U+3000, no-break space …) and the blank-looking
   * letters (U+3164 …, U+2800) between words read as one space each run, and as none between two
   * {@link #CJK} characters ({@code 李\n经理} → {@code 李经理}). Full-width characters stay.
   * tests/static/test_blank_text.py checks that both languages give the same result.
   */
  static String oneLine(String text) {
    String trimmed = trim(text);
    StringBuilder out = new StringBuilder(trimmed.length());
    boolean space = false;
    for (int i = 0; i < trimmed.length(); ) {
      int cp = trimmed.codePointAt(i);
      i += Character.charCount(cp);
      int type = Character.getType(cp);
      if (cp == '\n' || cp == '\r' || cp == '\t' || cp == 0x0B || cp == 0x0C || cp == 0x85) {
        space = true;
      } else if (type == Character.FORMAT || type == Character.CONTROL) {
        continue;
      } else if (Character.isSpaceChar(cp) || Character.isWhitespace(cp) || cp == BRAILLE_PATTERN_BLANK
          || (defaultIgnorable(cp) && Character.isLetter(cp))) {
        space = true;
      } else {
        if (space && out.length() > 0 && !(cjk(out.codePointBefore(out.length())) && cjk(cp))) {
          out.append(' ');
        }
        space = false;
        out.appendCodePoint(cp);
      }
    }
    return out.toString();
  }

  /**
   * For tests/static/test_blank_text.py: the blank code points and those this Java does not know, as
   * ranges; with the argument {@code one-line}, {@link #oneLine} of each line of standard input (code
   * points in hex, separated by spaces), in the same form.
   */
  public static void main(String[] args) throws java.io.IOException {
    if (args.length > 0 && "one-line".equals(args[0])) {
      java.io.BufferedReader in = new java.io.BufferedReader(
          new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.US_ASCII));
      StringBuilder result = new StringBuilder();
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        StringBuilder text = new StringBuilder();
        for (String hex : line.trim().split(" ")) {
          if (!hex.isEmpty()) {
            text.appendCodePoint(Integer.parseInt(hex, 16));
          }
        }
        StringBuilder hexes = new StringBuilder();
        oneLine(text.toString()).codePoints().forEach(cp -> hexes.append(Integer.toHexString(cp)).append(' '));
        result.append(hexes.toString().trim()).append('\n');
      }
      System.out.print(result);
      return;
    }
    StringBuilder out = new StringBuilder();
    for (String kind : new String[] {"blank", "undefined"}) {
      out.append(kind);
      int start = -1;
      for (int cp = 0; cp <= Character.MAX_CODE_POINT + 1; cp++) {
        boolean in = cp <= Character.MAX_CODE_POINT
            && ("blank".equals(kind) ? blank(cp) : !Character.isDefined(cp));
        if (in && start < 0) {
          start = cp;
        } else if (!in && start >= 0) {
          out.append(' ').append(Integer.toHexString(start)).append('-').append(Integer.toHexString(cp - 1));
          start = -1;
        }
      }
      out.append('\n');
    }
    System.out.print(out);
  }
}
