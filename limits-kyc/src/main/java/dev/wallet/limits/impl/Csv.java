package dev.wallet.limits.impl;

import java.util.List;

/**
 * RFC 4180 CSV for reports that leave the system. Text that a spreadsheet would run as a formula
 * (a leading =, +, -, @, tab or carriage return: owner ids are chosen by clients) is prefixed
 * with a quote; numbers are written as they are.
 */
final class Csv {

  private final StringBuilder out = new StringBuilder();

  Csv(List<String> header) {
    row(header.stream().map(Object.class::cast).toList());
  }

  Csv row(List<Object> cells) {
    for (int i = 0; i < cells.size(); i++) {
      if (i > 0) {
        out.append(',');
      }
      out.append(cell(cells.get(i)));
    }
    out.append("\r\n");
    return this;
  }

  String text() {
    return out.toString();
  }

  private static String cell(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Long || value instanceof Integer) {
      return value.toString();
    }
    String text = value.toString();
    if (!text.isEmpty() && "=+-@\t\r".indexOf(text.charAt(0)) >= 0) {
      text = "'" + text;
    }
    if (text.indexOf(',') >= 0 || text.indexOf('"') >= 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
      text = '"' + text.replace("\"", "\"\"") + '"';
    }
    return text;
  }

  /** 123456 minor units of a 2-digit currency: "1234.56"; exact, no floating point. */
  static String decimal(long minor, int fractionDigits) {
    if (fractionDigits <= 0) {
      return Long.toString(minor);
    }
    String digits = Long.toString(Math.abs(minor));
    String padded = "0".repeat(Math.max(0, fractionDigits + 1 - digits.length())) + digits;
    int point = padded.length() - fractionDigits;
    return (minor < 0 ? "-" : "") + padded.substring(0, point) + "." + padded.substring(point);
  }
}
