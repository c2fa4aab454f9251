"""A realistic, bilingual sample book for `crm demo`: about 40 customers, 80
stakeholders and 300 contacts over the last two years. Deterministic for a given day."""

from __future__ import annotations

import random
from datetime import date, timedelta

from crmcli.core import vocabulary as vocab
from crmcli.core.names import name_key, phone_digits
from crmcli.store import customers, log, stakeholders
from crmcli.store.db import Database
from crmcli.store.due import refresh_customers, refresh_stakeholder_contact

COMPANIES = [
    ("华东物流有限公司", "logistics", "上海"), ("Acme Trading Co.", "trading", "Shenzhen"),
    ("北京恒信科技", "software", "北京"), ("Lotus Medical Devices", "medical", "Guangzhou"),
    ("杭州绿源食品", "food", "杭州"), ("Pacific Freight Ltd.", "logistics", "Hong Kong"),
    ("成都天府建材", "construction", "成都"), ("Golden Bridge Hotels", "hospitality", "Xiamen"),
    ("苏州精工机械", "machinery", "苏州"), ("Bluewave Electronics", "electronics", "Shenzhen"),
    ("武汉长江汽配", "automotive", "武汉"), ("Summit Education Group", "education", "Beijing"),
    ("南京金陵医药", "pharma", "南京"), ("Orient Textiles", "textiles", "Ningbo"),
    ("青岛海润水产", "food", "青岛"), ("Harbor Point Logistics", "logistics", "Tianjin"),
    ("深圳创新电子", "electronics", "深圳"), ("Redwood Furniture", "furniture", "Foshan"),
    ("西安古城文旅", "tourism", "西安"), ("Silverline Software", "software", "Hangzhou"),
    ("厦门鹭岛贸易", "trading", "厦门"), ("Jade Garden Restaurants", "catering", "Shanghai"),
    ("重庆山城钢铁", "steel", "重庆"), ("Northstar Packaging", "packaging", "Dalian"),
    ("长沙湘江印务", "printing", "长沙"), ("Evergreen Agritech", "agriculture", "Kunming"),
    ("天津港联仓储", "warehousing", "天津"), ("Crystal Optics", "optics", "Changchun"),
]
PEOPLE = [
    ("张敏", "李伟", "王芳", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强", "吴霞", "徐涛",
     "孙悦", "马骏", "朱琳", "胡斌", "郭婷", "何军", "林娜", "高鹏", "罗红"),
    ("Emily Chen", "David Wong", "Sarah Li", "Michael Zhang", "Grace Liu", "Kevin Wu",
     "Linda Zhou", "Jason Lin", "Amy Huang", "Tony Ma"),
]
TITLES = {"decision-maker": ["总经理", "CEO", "采购总监", "VP Operations"],
          "influencer": ["技术总监", "CTO", "财务经理", "Chief Engineer"],
          "executor": ["采购专员", "Buyer", "采购经理", "Purchasing Officer"],
          "supervisor": ["审计主管", "Controller", "质量经理"]}
INDIVIDUALS = [("王建国", "上海"), ("Li Na", "Beijing"), ("陈晓东", "广州"), ("赵雪", "深圳"),
               ("Peter Sun", "Hangzhou"), ("刘德明", "成都"), ("孙丽华", "南京"),
               ("Zhou Yi", "Wuhan"), ("郑海", "青岛"), ("黄美玲", "厦门"), ("Alex Qian", "Suzhou"),
               ("吴桂芳", "长沙")]
NOTES = ["询问新季度报价", "Discussed renewal terms", "送去中秋礼品", "Site visit, met the plant manager",
         "技术交流会", "Sent product brochure", "回访满意度", "Lunch with the buyer", "投诉交货延迟",
         "问题已解决,客户满意", "Introduced to the finance team", "微信沟通样品进度",
         "Trial order discussed", "年度合同续签", "Birthday wishes sent", "Shared industry report"]
FEEDBACK = ["满意", "Price is a concern", "希望加快交期", "Happy with service", "考虑增加订单",
            "Needs board approval", "", "", "对新产品感兴趣", "Asked for a discount"]
BEST_TIMES = ["evenings", "mornings", "weekends", "noon", "office hours", "工作日下午"]


def build(db: Database, today: date, cadences: dict[str, int], seed: int = 2026) -> dict[str, int]:
    """Fill an empty book; returns counts."""
    rng = random.Random(seed)
    tiers = ["gold"] * 6 + ["silver"] * 10 + ["iron"] * 16 + ["lead"] * 8
    stages = ["client", "repeat", "first-time", "prospect", "advocate", "suspect", "lost"]
    names = iter(rng.sample(PEOPLE[0], len(PEOPLE[0])) * 3 + list(PEOPLE[1]) * 4)
    ids: list[int] = []
    people: dict[int, list[int]] = {}
    with db.transaction():
        accounts = [(n, ind, city, "company") for n, ind, city in COMPANIES] + \
                   [(n, None, city, "person") for n, city in INDIVIDUALS]
        for i, (name, industry, city, kind) in enumerate(accounts):
            since = today - timedelta(days=rng.randint(400, 730))
            stage = rng.choices(stages, weights=[5, 4, 3, 3, 1, 1, 1])[0]
            cid = customers.insert(db, {
                "name": name, "name_key": name_key(name), "kind": kind, "tier": tiers[i % len(tiers)],
                "stage": "prospect", "industry": industry, "city": city,
                "phone": f"+86 1{rng.randint(30, 89)}{rng.randint(10000000, 99999999)}",
                "email": None if kind == "person" else f"info@example{i}.com",
                "tags": rng.choice(["", "vip", "renewal;2026", "trade-show", "referral"]),
                "since": since.isoformat(), "note": None, "every_days": None,
            })
            if stage != "prospect":
                customers.change_stage(db, cid, stage, (since + timedelta(days=rng.randint(30, 300))).isoformat(), "demo")
            ids.append(cid)
            people[cid] = []
            roles = ["decision-maker", "executor", "influencer", "supervisor"]
            count = 1 if kind == "person" else rng.choice([1, 2, 2, 3, 3, 4])
            for r in range(count):
                person = name if kind == "person" else next(names)
                role = "decision-maker" if kind == "person" else roles[r]
                bday = date(rng.randint(1965, 1995), rng.randint(1, 12), rng.randint(1, 28))
                if i == 0 and r == 0:  # one birthday just ahead, so the demo agenda shows one
                    bday = (today + timedelta(days=3)).replace(year=1980)
                sid = stakeholders.insert(db, cid, {
                    "name": person, "name_key": name_key(person), "role": role,
                    "level": rng.choice(vocab.LEVEL_ORDER),
                    "title": None if kind == "person" else rng.choice(TITLES[role]),
                    "phone": (p := f"+86 13{rng.randint(100000000, 999999999)}"), "phone_digits": phone_digits(p),
                    "email": None, "prefers": rng.choice(["call", "im", "email", "visit", "im"]),
                    "best_time": rng.choice(BEST_TIMES),
                    "birthday": bday.isoformat() if rng.random() < 0.5 or i == 0 else None,
                    "every_days": 21 if (i % 9 == 0 and r == 0) else None,
                }, since.isoformat())
                people[cid].append(sid)
        contacts = 0
        for cid in ids:
            span = rng.randint(4, 12)
            for _ in range(span):
                day = today - timedelta(days=rng.randint(1, 720))
                sid = rng.choice(people[cid])
                purpose = rng.choice(vocab.PURPOSES.keys)
                log.insert(db, cid, sid, {
                    "date": day.isoformat(), "channel": rng.choice(vocab.CHANNELS.keys[:8]),
                    "purpose": purpose, "note": rng.choice(NOTES), "feedback": rng.choice(FEEDBACK) or None,
                    "score": rng.randint(4, 10) if purpose == "survey" else None,
                    "next_on": None, "next_note": None,
                })
                contacts += 1
        for cid in rng.sample(ids, 5):
            log.add_follow_up_row(db, cid, people[cid][0], (today + timedelta(days=rng.randint(-3, 5))).isoformat(),
                                  rng.choice(["send the quote", "发送报价单", "confirm delivery date", "安排工厂参观"]))
        refresh_stakeholder_contact(db, [s for v in people.values() for s in v])
        refresh_customers(db, ids, cadences)
    return {"customers": len(ids), "stakeholders": sum(len(v) for v in people.values()), "contacts": contacts}
