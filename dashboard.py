"""Router: pages per role, shared filters (campaign, as-of date), language.  Nothing else."""

from pathlib import Path

import streamlit as st

from cccd_analytics import ui
from cccd_analytics.i18n import t
from cccd_analytics.ui import links, login, styles

st.set_page_config(
    page_title="Theo dõi cấp CCCD", page_icon="🪪", layout="wide", initial_sidebar_state="auto"
)

HERE = Path(__file__).parent
# (file, Vietnamese title, icon, roles that may open it).  A page a role may not use is
# absent from its navigation, so its URL does not resolve either.
PAGES = [
    ("overview", "Tổng quan", ":material/dashboard:", {"leader", "analyst", "admin"}),
    ("units", "Đơn vị", ":material/table_rows:", {"leader", "analyst", "admin"}),
    ("unit", "Chi tiết đơn vị", ":material/location_city:", {"leader", "analyst", "admin"}),
    ("groups", "Nhóm & hình thức", ":material/diversity_3:", {"leader", "analyst", "admin"}),
    ("map", "Bản đồ", ":material/map:", {"leader", "analyst", "admin"}),
    ("capacity", "Năng lực & giả định", ":material/groups:", {"leader", "analyst", "admin"}),
    ("presentation", "Trình chiếu", ":material/slideshow:", {"leader", "analyst", "admin"}),
    ("quality", "Chất lượng số liệu", ":material/rule:", {"analyst", "admin"}),
    ("upload", "Nhập số liệu", ":material/upload_file:", {"analyst", "admin"}),
    ("settings", "Cài đặt chiến dịch", ":material/settings:", {"admin"}),
    ("audit", "Nhật ký hệ thống", ":material/history:", {"admin"}),
]

links.start()
ui.language_picker()
styles.app_texts()
# Login: until someone signs in, every URL shows the login form and the run stops here.
login.gate([name for name, *_ in PAGES if (HERE / f"pages/{name}.py").exists()])
role = ui.current_role()
pages = [
    st.Page(
        f"pages/{name}.py",
        title=t(title),
        icon=icon,
        default=(name == "overview"),
        url_path=login.ROOT_PATH if name == "overview" else name,
    )
    for name, title, icon, roles in PAGES
    if role in roles and (HERE / f"pages/{name}.py").exists()
]
# Pages this role may not use: not in its navigation, and their URLs show a refusal, never the page.
pages += login.refusal_pages([name for name, _, _, roles in PAGES if role not in roles])
pages += login.missing_page(name for name, *_ in PAGES)
navigation = st.navigation(pages)
with login.database_errors():  # a locked or unreachable database: a message and "Thử lại"
    st.session_state["context"] = ui.campaign_filters()
    ui.follow_wanted_page(pages)
    navigation.run()
    links.write()  # every filter of this run in the URL, as one step of the browser history
