"""Router: pages per role, shared filters (campaign, as-of date), theme.  Nothing else."""

import streamlit as st

from cccd_analytics import ui

st.set_page_config(page_title="Theo dõi cấp CCCD", page_icon="🪪", layout="wide",
                   initial_sidebar_state="expanded")

# Pages each role may open.  Login arrives with access control; until then the role
# comes from the session (a demo deployment runs as "admin").
PAGES = {
    "overview": st.Page("pages/overview.py", title="Tổng quan", icon="📊", default=True),
}
ROLE_PAGES = {
    "leader": ["overview"],
    "analyst": ["overview"],
    "admin": ["overview"],
}

role = st.session_state.setdefault("role", "admin")
navigation = st.navigation([PAGES[name] for name in ROLE_PAGES[role]])
st.session_state["context"] = ui.campaign_filters()
navigation.run()
