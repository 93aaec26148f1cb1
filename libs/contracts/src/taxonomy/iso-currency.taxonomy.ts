/**
 * ISO 4217 List One codes in use (November 2026), fund codes and precious metals included.
 * Left out: XTS (testing) and XXX (no currency), which give a value no meaning, and codes
 * already withdrawn or replaced: ANG (by XCG), BGN (euro, 2026), CUC, HRK, SLL, ZWL.
 */
const ISO_CURRENCIES = `
  AED AFN ALL AMD AOA ARS AUD AWG AZN
  BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD
  CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK
  DJF DKK DOP DZD
  EGP ERN ETB EUR
  FJD FKP
  GBP GEL GHS GIP GMD GNF GTQ GYD
  HKD HNL HTG HUF
  IDR ILS INR IQD IRR ISK
  JMD JOD JPY
  KES KGS KHR KMF KPW KRW KWD KYD KZT
  LAK LBP LKR LRD LSL LYD
  MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN
  NAD NGN NIO NOK NPR NZD
  OMR
  PAB PEN PGK PHP PKR PLN PYG
  QAR
  RON RSD RUB RWF
  SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL
  THB TJS TMT TND TOP TRY TTD TWD TZS
  UAH UGX USD USN UYI UYU UYW UZS
  VED VES VND VUV
  WST
  XAF XAG XAU XBA XBB XBC XBD XCD XCG XDR XOF XPD XPF XPT XSU XUA
  YER
  ZAR ZMW ZWG`;

export const ISO_CURRENCY_CODES: ReadonlySet<string> = new Set(ISO_CURRENCIES.trim().split(/\s+/));

export function isIsoCurrency(code: unknown): code is string {
  return typeof code === 'string' && ISO_CURRENCY_CODES.has(code);
}
