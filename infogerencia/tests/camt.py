"""Builds CAMT.053 statements the way Spanish banks export them, for the tests."""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape


@dataclass
class Entry:
    amount: str
    reference: str = ""  # structured (RmtInf/Strd/CdtrRefInf/Ref)
    text: str = ""  # unstructured (RmtInf/Ustrd)
    debtor: str = "Ferretería García S.L."
    bank_reference: str = ""
    currency: str = "EUR"
    credit: bool = True
    status: str = "BOOK"


def statement(
    entries: list[Entry],
    *,
    statement_id: str = "2027-03-03-001",
    iban: str = "ES9121000418450200051332",
    version: str = "02",
) -> bytes:
    rows = []
    for index, entry in enumerate(entries, start=1):
        status = f"<Sts><Cd>{entry.status}</Cd></Sts>" if version >= "08" else f"<Sts>{entry.status}</Sts>"
        remittance = ""
        if entry.reference:
            remittance += (
                "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp>"
                f"<Ref>{escape(entry.reference)}</Ref></CdtrRefInf></Strd>"
            )
        if entry.text:
            remittance += f"<Ustrd>{escape(entry.text)}</Ustrd>"
        rows.append(
            f"""<Ntry>
      <NtryRef>{index}</NtryRef>
      <Amt Ccy="{entry.currency}">{entry.amount}</Amt>
      <CdtDbtInd>{"CRDT" if entry.credit else "DBIT"}</CdtDbtInd>
      {status}
      <BookgDt><Dt>2027-03-03</Dt></BookgDt>
      <ValDt><Dt>2027-03-03</Dt></ValDt>
      <AcctSvcrRef>{entry.bank_reference or f"2027030300{index:04d}"}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls>
        <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
        <RltdPties><Dbtr><Nm>{escape(entry.debtor)}</Nm></Dbtr></RltdPties>
        <RmtInf>{remittance}</RmtInf>
      </TxDtls></NtryDtls>
    </Ntry>"""
        )
    body = "\n    ".join(rows)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>MSG-{statement_id}</MsgId><CreDtTm>2027-03-03T06:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>{statement_id}</Id>
      <CreDtTm>2027-03-03T06:00:00</CreDtTm>
      <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
    {body}
    </Stmt>
  </BkToCstmrStmt>
</Document>
""".encode()


XXE_STATEMENT = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&xxe;</Id>
</Stmt></BkToCstmrStmt></Document>"""
